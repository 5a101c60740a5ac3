import { BadArgument } from "../errors.js";

const OPERATORS = new Set([";", "&", "|", "<", ">", "`"]);

/**
 * Splits a command string the way compose does (POSIX shell words, no
 * expansion): blanks separate words, '...' is literal, "..." allows \" \\ \$
 * and \` escapes, a backslash outside quotes escapes the next character.
 * Shell operators are refused: compose would not run a shell for them either.
 */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let index = 0;
  const fail = (reason: string): never => {
    throw new BadArgument(`cannot split the command "${text}": ${reason}`);
  };
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      index++;
      continue;
    }
    inWord = true;
    if (char === "\\") {
      if (index + 1 >= text.length) fail("it ends with a backslash");
      word += text[index + 1];
      index += 2;
    } else if (char === "'") {
      const close = text.indexOf("'", index + 1);
      if (close === -1) fail("a single quote is not closed");
      word += text.slice(index + 1, close);
      index = close + 1;
    } else if (char === '"') {
      index++;
      while (index < text.length && text[index] !== '"') {
        if (text[index] === "\\" && /["\\$`]/.test(text[index + 1] ?? "")) index++;
        word += text[index];
        index++;
      }
      if (index >= text.length) fail("a double quote is not closed");
      index++;
    } else if (OPERATORS.has(char)) {
      return fail(
        `"${char}" is a shell operator; to run a shell, write the command as a list: ` +
          `["sh", "-c", "..."]`,
      );
    } else {
      word += char;
      index++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
