/** Cleanup steps, run once in reverse order of registration, whatever happened. */
export class Teardown {
  readonly #steps: { what: string; run: () => unknown }[] = [];
  #done: Promise<void> | undefined;

  add(what: string, run: () => unknown) {
    this.#steps.push({ what, run });
  }

  run(): Promise<void> {
    this.#done ??= this.#runAll();
    return this.#done;
  }

  async #runAll() {
    for (const step of this.#steps.reverse()) {
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`bench: cleanup (${step.what}) failed: ${(error as Error).message}\n`);
      }
    }
  }
}

/**
 * On SIGINT or SIGTERM: clean up, then exit. A second signal does not cut the
 * cleanup short (that would leave the isolated Podman and its containers behind).
 */
export function cleanUpOnSignals(teardown: Teardown) {
  let received: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      process.stderr.write("bench: still cleaning up, one moment\n");
      return;
    }
    received = signal;
    process.stderr.write(`bench: ${signal}, removing the containers and the isolated Podman\n`);
    void teardown.run().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    interrupted: () => received !== undefined,
    uninstall() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
