// The most arguments an entry method takes (lib/model/arity.ts), read from
// methods as tsc compiles them: exact when the list has no default, rest
// parameter or `arguments`; unknown (Infinity, no check) otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mostArguments, tooManyArguments } from '../../lib/model/arity';

/** Uses its arguments: each method below reads its parameters (tsc refuses unused ones). */
const use = (...values: unknown[]): number => values.length;

class Methods {
  none(): number {
    return use();
  }
  one(x: number): number {
    return use(x);
  }
  async two(a: number, b: string): Promise<number> {
    return use(a, b);
  }
  *gen(a: number): Generator<number> {
    yield a;
  }
  async *asyncGen(a: number, b: number): AsyncGenerator<number> {
    yield a + b;
  }
  optional(a: number, b?: number): number {
    return use(a, b);
  }
  destructured({ a, b }: { a: number; b: number }, [c]: number[]): number {
    return use(a, b, c);
  }
  innerDefaults({ a = 1, s = '=)' }: { a?: number; s?: string }, b: number): number {
    return use(a, s, b);
  }
  commented(a: number /* , b = 1 */, c: number): number {
    return use(a, c);
  }
  withDefault(a: number, b = 1): number {
    return use(a, b);
  }
  defaultFirst(a = (1), b: number): number {
    return use(a, b);
  }
  destructuredDefault([a]: number[] = []): number {
    return use(a);
  }
  rest(...xs: number[]): number {
    return use(xs);
  }
  restAfter(a: number, ...xs: number[]): number {
    return use(a, xs);
  }
  usesArguments(): number {
    // eslint-disable-next-line prefer-rest-params -- the case under test
    return arguments.length;
  }
  ['computed(x)'](a: number, b: number): number {
    return use(a, b);
  }
}

const of = (name: keyof Methods): number => mostArguments(Methods.prototype[name] as (...args: never[]) => unknown);

test('a plain parameter list gives its length, whatever the method kind', () => {
  assert.is(of('none'), 0);
  assert.is(of('one'), 1);
  assert.is(of('two'), 2);
  assert.is(of('gen'), 1);
  assert.is(of('asyncGen'), 2);
  assert.is(of('optional'), 2, "TypeScript's optional parameter is a plain one in JavaScript");
  assert.is(of('destructured'), 2);
  assert.is(of('innerDefaults'), 2, 'defaults inside a destructuring pattern do not change the count');
  assert.is(of('commented'), 2, 'a comment in the list is skipped');
});

test('a default, a rest parameter or `arguments` leave the count unknown', () => {
  for (const name of ['withDefault', 'defaultFirst', 'destructuredDefault', 'rest', 'restAfter', 'usesArguments', 'computed(x)'] as const) {
    assert.is(of(name), Infinity, name);
  }
  assert.is(mostArguments(Methods.prototype.one.bind(null)), Infinity, 'a bound function has no source to read');
  assert.is(
    mostArguments((a: number) => a),
    1,
    'an arrow function',
  );
});

test('the error names the method, the counts, and the proxy face for Charm4py-style options', () => {
  assert.is(tooManyArguments('A', 'm', 1, [1, 2]).message, 'charmts: A.m takes at most 1 argument, given 2: JavaScript would drop the extra ones');
  assert.is(tooManyArguments('A', 'm', 0, [1]).message, 'charmts: A.m takes no arguments, given 1: JavaScript would drop the extra ones');
  const message = tooManyArguments('A', 'm', 1, [1, { ret: true }]).message;
  assert.match(message, /^charmts: A\.m takes at most 1 argument, given 2: options go on the proxy, not in the arguments: proxy\.ret\.m\(\.\.\.\) returns a future of the result \(Charm4py's ret=True\)/);
  assert.match(tooManyArguments('A', 'm', 2, [1, 2, { awaitable: true }]).message, /proxy\.awaitable\.m\(\.\.\.\) a future of its completion/);
  assert.ok(tooManyArguments('A', 'm', 1, [1, 2]) instanceof TypeError);
});

test.run();
