/** Names that usually hold credentials: PASSWORD, DB_TOKEN, AWS_SECRET_ACCESS_KEY, ... */
export const SECRET_NAME = /PASS|TOKEN|SECRET|KEY|CREDENTIAL|AUTH|PRIVATE|CERT/i;

/** [start, end) of a secret inside a string. */
export type Span = readonly [start: number, end: number];

export type NameTest = (name: string) => boolean;

/** `NAME=`: matches only the name, so "--env=DB_PASSWORD=x" finds DB_PASSWORD too. */
const ASSIGNMENT = /(?<![\w.-])([A-Za-z_][\w.-]*)=/g;
/**
 * `name: value` as YAML, JSON and HTTP headers write it (never "host:port");
 * the name keeps its slashes, as label keys and Podman's kube annotations have them.
 */
const COLON_PAIR = /(?<![\w./-])(["']?)([A-Za-z_][\w./-]*)\1:(?=[\s"'])/g;
/** The password of `scheme://user:password@host`, up to the last "@" of the authority. */
const URL_PASSWORD =
  /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s/?#:@"']*:([^\s/?#"']+)@/dg;
const AUTHORIZATION =
  /\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|digest|token|negotiate)\s+)?([^\s"',;]+)/dgi;
/** Left to AUTHORIZATION, which hides the credential and keeps its scheme ("Bearer") readable. */
const AUTHORIZATION_NAME = /^(?:proxy-)?authorization$/i;
const BEARER = /\bbearer\s+([A-Za-z0-9._~+/-]+=*)/dgi;
const CURL_USER = /(?:^|\s)(?:-u|--user)[\s=]+["']?(?:[^\s:"'=][^\s:"']*)?:([^\s"']+)/dg;
const PRIVATE_KEY =
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
/** Tokens whose shape says what they are: GitHub, GitLab, AWS, Slack, npm, Stripe/OpenAI, JWTs. */
const KNOWN_TOKEN =
  /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_\w{22,}|glpat-[\w-]{20,}|AKIA[0-9A-Z]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{36}|sk[-_](?:live_|test_)?[A-Za-z0-9_-]{20,})|(?<![\w-])eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/g;

const COLON_PAIR_HINT = /:[\s"']/;
const SHAPE_HINT =
  /-u|--user|authorization|bearer|PRIVATE KEY|gh[pousr]_|github_pat_|glpat-|AKIA|xox|npm_|sk[-_]|eyJ/i;

/**
 * What is never a secret, whatever its name says: switches
 * (automountServiceAccountToken: false) and references such as "$TOKEN"
 * or "Bearer $TOKEN", which name a secret without holding it.
 */
const NOT_A_SECRET = /^(?:true|false|yes|no|on|off|(?:(?:bearer|basic|token)\s+)?\$\{?\w+\}?)$/i;

export const isSecretValue = (value: string) => value !== "" && !NOT_A_SECRET.test(value);

/** The secret parts of one string, by name (NAME=value, name: value) and by shape. */
export function textSpans(text: string, isSecretName: NameTest): Span[] {
  if (text.length < 4) return [];
  const spans: Span[] = [];
  const add = (start: number, end: number) => {
    if (end > start && isSecretValue(text.slice(start, end))) spans.push([start, end]);
  };
  const group = (pattern: RegExp) => {
    for (const match of text.matchAll(pattern)) add(...match.indices![1]!);
  };
  const whole = (pattern: RegExp) => {
    for (const match of text.matchAll(pattern)) add(match.index, match.index + match[0].length);
  };
  // Each rule runs only where a cheap test says it may match: most strings of an answer are ids,
  // paths and times, and this runs on every one of them.
  if (text.includes("=")) assignments(text, isSecretName, add);
  if (COLON_PAIR_HINT.test(text)) colonPairs(text, isSecretName, add);
  if (text.includes("://")) group(URL_PASSWORD);
  if (SHAPE_HINT.test(text)) {
    group(CURL_USER);
    group(AUTHORIZATION);
    group(BEARER);
    whole(PRIVATE_KEY);
    whole(KNOWN_TOKEN);
  }
  return spans;
}

/** "NAME=value" as a whole string (an env entry) runs to its end; inside text, to a space or quote. */
function assignments(
  text: string,
  isSecretName: NameTest,
  add: (start: number, end: number) => void,
) {
  for (const match of text.matchAll(ASSIGNMENT)) {
    if (!isSecretName(match[1]!) || AUTHORIZATION_NAME.test(match[1]!)) continue;
    const start = match.index + match[0].length;
    if (match.index === 0) {
      add(start, text.length);
      continue;
    }
    let end = start;
    while (end < text.length && !/[\s"'&;]/.test(text[end]!)) end++;
    add(start, end);
  }
}

/** `name: value`: a quoted value to its closing quote, a plain one to the end of its line. */
function colonPairs(
  text: string,
  isSecretName: NameTest,
  add: (start: number, end: number) => void,
) {
  for (const match of text.matchAll(COLON_PAIR)) {
    if (!isSecretName(match[2]!) || AUTHORIZATION_NAME.test(match[2]!)) continue;
    let start = match.index + match[0].length;
    while (text[start] === " " || text[start] === "\t") start++;
    const quote = text[start];
    if (quote === '"' || quote === "'") {
      let end = start + 1;
      while (end < text.length && text[end] !== quote) end += text[end] === "\\" ? 2 : 1;
      add(start + 1, Math.min(end, text.length));
      continue;
    }
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    const closing = openQuoteBefore(text, match.index);
    if (closing !== undefined) {
      const quoted = text.indexOf(closing, start);
      if (quoted >= 0 && quoted < end) end = quoted;
    }
    while (end > start && /\s/.test(text[end - 1]!)) end--;
    add(start, end);
  }
}

/** The quote left open on this line before `at` ("-H 'X-Token: abc' url"), which ends the value. */
function openQuoteBefore(text: string, at: number): string | undefined {
  const line = text.slice(text.lastIndexOf("\n", at - 1) + 1, at);
  for (const quote of ["'", '"']) {
    if (line.split(quote).length % 2 === 0) return quote;
  }
  return undefined;
}
