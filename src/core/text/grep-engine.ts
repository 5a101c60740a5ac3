/**
 * re2js behind one module of our own, so the build can embed it compressed
 * and compile it on the first grep only (see build.mjs).
 */
export { RE2JS, RE2JSException } from "re2js";
