import { forEachConcurrently } from "./measure.js";
import type { Libpod } from "./libpod.js";

/** Creating and starting containers in parallel: Podman serialises part of it anyway. */
const SEED_CONCURRENCY = 4;

/**
 * The containers the benchmark lists, inspects and reads logs of. Every one is
 * remembered by id and removed again by `removeAll`.
 */
export class BenchContainers {
  readonly #libpod: Libpod;
  readonly #image: string;
  readonly #prefix = `bench-${Date.now().toString(36)}`;
  readonly #ids: string[] = [];
  readonly sleepers: string[] = [];

  constructor(libpod: Libpod, image: string) {
    this.#libpod = libpod;
    this.#image = image;
  }

  /**
   * Starts long-sleeping containers until `count` of them run. They have no
   * network namespace: netavark would add ~100 ms per start and nothing here
   * needs a port.
   */
  async growTo(count: number): Promise<void> {
    const names = Array.from(
      { length: count - this.sleepers.length },
      (_, index) => `${this.#prefix}-${String(this.sleepers.length + index).padStart(3, "0")}`,
    );
    await forEachConcurrently(names, SEED_CONCURRENCY, async (name) => {
      await this.#start(await this.#create(name, ["sleep", "86400"]));
      this.sleepers.push(name);
    });
    this.sleepers.sort();
  }

  /** Runs `command` in a new container until it exits; answers the container's name. */
  async runToExit(suffix: string, command: string[]): Promise<string> {
    const name = `${this.#prefix}-${suffix}`;
    const id = await this.#create(name, command);
    await this.#start(id);
    await this.#libpod.json("POST", `/containers/${id}/wait?condition=stopped`);
    return name;
  }

  async removeAll(): Promise<void> {
    const ids = this.#ids.splice(0);
    await forEachConcurrently(ids, SEED_CONCURRENCY * 2, (id) =>
      this.#libpod.json("DELETE", `/containers/${id}?force=true&v=true&timeout=0`),
    );
  }

  async #create(name: string, command: string[]): Promise<string> {
    const { Id } = await this.#libpod.json<{ Id: string }>("POST", "/containers/create", {
      image: this.#image,
      name,
      command,
      netns: { nsmode: "none" },
      labels: { "io.mcp-podman.bench": this.#prefix },
    });
    this.#ids.push(Id);
    return Id;
  }

  async #start(id: string): Promise<void> {
    await this.#libpod.json("POST", `/containers/${id}/start`);
  }
}
