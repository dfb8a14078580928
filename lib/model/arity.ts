/**
 * The most arguments an entry method can take, for refusing a call through
 * a proxy that passes more (Charm4py raises TypeError when the method runs;
 * here the caller learns at its call). JavaScript drops extra arguments
 * without a word, so without this a Charm4py user's `p.m(x, { ret: true })`
 * ran `m(x)` fire-and-forget and awaited undefined.
 *
 * `fn.length` counts the parameters before the first one with a default
 * and before a rest parameter, so it is the most only when the method has
 * neither and does not read `arguments`. Whether it has them is read from
 * its source text (`Function.prototype.toString`): the parameter list is
 * the first parenthesised group of a method's text, and a default (`=` at
 * the list's own depth) or a rest (`...`) there, or the word `arguments`
 * anywhere in the text, makes the count unknown (Infinity: no check).
 * Anything unexpected in the text gives Infinity too: a valid call is
 * never refused, an invalid one may go unnoticed.
 */

/** Characters that open and close a nesting level inside a parameter list (destructuring, default expressions). */
const OPENS = '([{';
const CLOSES = ')]}';

/**
 * The most arguments `fn` uses: `fn.length` when its source shows no
 * default, rest parameter or `arguments`, else Infinity.
 */
export function mostArguments(fn: (...args: never[]) => unknown): number {
  let text: string;
  try {
    text = Function.prototype.toString.call(fn);
  } catch {
    return Infinity;
  }
  if (/\barguments\b/.test(text) || text.includes('[native code]')) return Infinity;
  const start = text.indexOf('(');
  // A computed name (`['m(x)'](y)`) or a string in the name: the first '(' may not open the parameters.
  if (start < 0 || /[[\]'"`]/.test(text.slice(0, start))) return Infinity;
  return plainParameters(text, start) ? fn.length : Infinity;
}

/** Whether the parameter list opening at `text[start]` (a '(') has no default and no rest parameter at its own depth. */
function plainParameters(text: string, start: number): boolean {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      // A string can only be inside a default (a destructuring default, nested): skip it.
      const end = closingQuote(text, i);
      if (end < 0) return false;
      i = end;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = text[i + 1] === '/' ? text.indexOf('\n', i) : text.indexOf('*/', i + 2) + 1;
      if (end <= 0) return false;
      i = end;
    } else if (OPENS.includes(c)) {
      depth++;
    } else if (CLOSES.includes(c)) {
      if (--depth === 0) return true;
    } else if (depth === 1 && (c === '=' || (c === '.' && text.startsWith('...', i)))) {
      return false;
    }
  }
  return false;
}

/** The index of the quote that closes the string opening at `text[i]`, or -1. */
function closingQuote(text: string, i: number): number {
  const quote = text[i];
  for (let j = i + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === quote) return j;
  }
  return -1;
}

/**
 * The error of a call of `className.method` through a proxy with
 * `given` arguments where the method takes at most `most`; a last
 * argument that looks like Charm4py's keyword options (`{ ret: true }`)
 * gets the proxy face that does it.
 */
export function tooManyArguments(className: string, method: string, most: number, args: readonly unknown[]): TypeError {
  const takes = `${className}.${method} takes ${most === 0 ? 'no arguments' : `at most ${most} argument${most === 1 ? '' : 's'}`}, given ${args.length}`;
  const last = args[args.length - 1];
  const options = typeof last === 'object' && last !== null && Object.getPrototypeOf(last) === Object.prototype ? Object.keys(last).filter((k) => k === 'ret' || k === 'awaitable') : [];
  const hint = options.length
    ? `: options go on the proxy, not in the arguments: proxy.ret.${method}(...) returns a future of the result (Charm4py's ret=True), proxy.awaitable.${method}(...) a future of its completion (awaitable=True)`
    : ': JavaScript would drop the extra ones';
  return new TypeError(`charmts: ${takes}${hint}`);
}
