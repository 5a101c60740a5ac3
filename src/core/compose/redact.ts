import { SUPPORTED_SERVICE_KEYS } from "./service.js";

const WORD = /[\p{L}\p{N}_]+/gu;
const SHORT_NUMBER = /^\d{1,5}$/;
const HIDDEN = "…";

const COMPOSE_VOCABULARY = new Set([
  ...SUPPORTED_SERVICE_KEYS,
  ...[
    "version name services networks volumes x",
    "context dockerfile args target path required published host_ip protocol type source",
    "condition test interval timeout retries start_period disable aliases driver driver_opts",
    "internal external service_started service_healthy service_completed_successfully",
    "bind volume tcp udp true false null",
    "line column file compose service key value invalid unsupported",
  ]
    .join(" ")
    .split(" "),
]);

/**
 * Keeps a host file's content out of error messages about it. The checker's
 * messages quote keys and values freely, which helps with `content` the caller
 * sent; for a file read from the host, every word of the message that is also
 * a word of the file is replaced by "…", except the compose vocabulary (key
 * names anyone can read in the specification) and short numbers (ports,
 * counts). What remains are the checker's own words, the path and the line.
 */
export function fileContentRedactor(fileText: string): (message: string) => string {
  const secretWords = new Set<string>();
  for (const [word] of fileText.matchAll(WORD)) {
    if (!COMPOSE_VOCABULARY.has(word.toLowerCase()) && !SHORT_NUMBER.test(word))
      secretWords.add(word.toLowerCase());
  }
  return (message) =>
    message.replace(WORD, (word) => (secretWords.has(word.toLowerCase()) ? HIDDEN : word));
}
