import { podmanBuild } from "./images/build.js";
import { podmanImagePrune, podmanRmi, podmanTag } from "./images/manage.js";
import { podmanImages } from "./images/list.js";
import { podmanPull, podmanPush } from "./images/registry.js";

export default [
  podmanImages,
  podmanPull,
  podmanBuild,
  podmanTag,
  podmanPush,
  podmanRmi,
  podmanImagePrune,
];
