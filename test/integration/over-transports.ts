import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { afterAll, beforeAll, describe } from "vitest";
import { type Transport, connectClient, testClient } from "./harness.js";

export interface TransportSuite {
  transport: Transport;
  /** Connected before the suite's first test; closed, with its server, after the suite's own afterAll hooks. */
  client: Client;
}

export interface SuiteOptions {
  /** The transports to run over, each in a describe block of its own; every one by default. */
  over?: readonly Transport[];
  /** Server flags besides the transport's own. */
  args?: string[];
}

const EVERY_TRANSPORT: readonly Transport[] = ["stdio", "http"];

/**
 * A suite against a server of its own, once per transport (`%s` in the title
 * names it). The helper owns connecting and closing; the body registers only
 * what it cleans up in Podman, which runs first (vitest runs afterAll hooks
 * last-registered first).
 */
export function describeOverTransports(
  title: string,
  { over = EVERY_TRANSPORT, args = [] }: SuiteOptions,
  body: (suite: TransportSuite) => void,
): void {
  for (const transport of over) {
    describe(title.replace("%s", transport), () => {
      const client = testClient();
      let close = async () => {};
      beforeAll(async () => {
        close = await connectClient(client, transport, args);
      });
      afterAll(() => close());
      body({ transport, client });
    });
  }
}
