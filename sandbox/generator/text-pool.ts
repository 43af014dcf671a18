/**
 * One copy of each text the generator writes again and again: email subjects and bodies, ticket
 * subjects and contents, NPS comments, deal names. A generated portal repeats a few distinct
 * texts across millions of records, and each record holding its own copy would cost more than the
 * rest of it. A pool lives for one generation; the texts stay with the records that hold them.
 */
export class TextPool {
  private readonly texts = new Map<string, string>();

  /** The pool's copy of `text`, made the first time the pool sees the text. */
  shared(text: string): string {
    let held = this.texts.get(text);
    if (held === undefined) {
      held = flatCopy(text);
      this.texts.set(held, held);
    }
    return held;
  }
}

/**
 * The same text in one piece. V8 keeps a string built by concatenation (a template, `replace`) as
 * a tree of its parts, which for these texts costs about half as much again as the characters; a
 * JSON round trip gives them back exactly, in one flat string.
 */
function flatCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}
