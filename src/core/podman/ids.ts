/** libpod ids are 64 hex digits; a longer run of hex than a short id is taken for one. */
const ID = /^[0-9a-f]{13,}$/;
const FULL_ID_IN_TEXT = /\b([0-9a-f]{12})[0-9a-f]{52}\b/g;

/** An id as `podman ps` shows it, its first 12 digits; a name or a short id stays whole. */
export const shortId = (value: string) => (ID.test(value) ? value.slice(0, 12) : value);

/** The full ids in a sentence (libpod's error reports) shortened, which keeps it readable. */
export const shortIdsIn = (text: string) => text.replace(FULL_ID_IN_TEXT, "$1");
