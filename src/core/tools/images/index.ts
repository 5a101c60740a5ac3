import { podmanBuild } from "./build.js";
import { podmanImagePrune, podmanRmi, podmanTag } from "./manage.js";
import { podmanImages } from "./list.js";
import { podmanPull, podmanPush } from "./registry.js";

export default [
  podmanImages,
  podmanPull,
  podmanBuild,
  podmanTag,
  podmanPush,
  podmanRmi,
  podmanImagePrune,
];
