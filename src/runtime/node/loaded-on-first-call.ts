/**
 * A function whose implementation, and the Node modules it needs, load on its
 * first call and are called directly from then on: the start does not pay for
 * what answering `initialize` does not use.
 */
export function loadedOnFirstCall<F extends (...args: never[]) => unknown>(
  load: () => Promise<F>,
): (...args: Parameters<F>) => ReturnType<F> | Promise<Awaited<ReturnType<F>>> {
  let loaded: F | undefined;
  let loading: Promise<F> | undefined;
  return (...args) => {
    if (loaded) return loaded(...args) as ReturnType<F>;
    loading ??= load().then((implementation) => (loaded = implementation));
    return loading.then((implementation) => implementation(...args) as Awaited<ReturnType<F>>);
  };
}
