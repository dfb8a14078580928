/**
 * Charm4py spellings typed at the console. In JavaScript most of them are
 * valid code that silently does something else (`Array(Test, 4)` makes a
 * plain array, `ret=True` assigns a global), so the console shows the
 * charmts spelling instead of running them.
 */
import type * as acorn from 'acorn';
import { walk } from './plan';
import { Chare } from '../model/chare';
import { Future } from '../model/future';

type Node = acorn.Node & Record<string, unknown>;

/** The value of a global expression, if it can be read without running calls. */
function peek(code: string, node: Node): unknown {
  if (node.type !== 'Identifier' && node.type !== 'MemberExpression') return undefined;
  try {
    return (0, eval)(code.slice(node.start, node.end));
  } catch {
    return undefined;
  }
}

const isChareClass = (value: unknown): boolean => typeof value === 'function' && value.prototype instanceof Chare;

const COLLECTIONS: Record<string, (cls: string, rest: string, onPE: string | undefined) => string> = {
  Array: (cls, rest) => `charm.createArray(${cls}${rest ? `, ${rest.replace(/^\((.*)\)$/, '[$1]')}` : ''})`,
  Group: (cls) => `charm.createGroup(${cls})`,
  Chare: (cls, _rest, onPE) => `charm.createChare(${cls}, []${onPE ? `, { onPE: ${onPE} }` : ''})`,
};

/** A one-line hint for the first Charm4py spelling in `program`, or undefined. */
export function charm4pyHint(code: string, program: acorn.Program): string | undefined {
  let hint: string | undefined;
  const src = (n: acorn.Node): string => code.slice(n.start, n.end);
  walk(program, (node, parent) => {
    if (hint) return;
    if (node.type === 'CallExpression') {
      const callee = node.callee as Node;
      const args = node.arguments as Node[];
      const name = callee.type === 'Identifier' ? (callee.name as string) : '';
      if (COLLECTIONS[name] && args.length > 0 && isChareClass(peek(code, args[0]))) {
        const rest = args.slice(1).filter((a) => a.type !== 'AssignmentExpression').map(src).join(', ');
        const onPE = args.find((a) => a.type === 'AssignmentExpression' && (a.left as Node).name === 'onPE') as Node | undefined;
        hint = `${src(node)} is Charm4py's spelling; in charmts: ${COLLECTIONS[name](src(args[0]), rest, onPE && src(onPE.right as Node))}`;
        return;
      } else if (name === 'Future' && parent?.type !== 'NewExpression') {
        hint = `Future() is Charm4py's spelling; in charmts: charm.createFuture()`;
      } else if (callee.type === 'MemberExpression' && (callee.property as Node).name === 'get' && args.length === 0 && parent?.type !== 'AwaitExpression' && peek(code, callee.object as Node) instanceof Future) {
        hint = `${src(node)} gives a promise; to wait for the value: await ${src(callee.object as Node)}`;
      }
      for (const a of args) {
        if (hint || a.type !== 'AssignmentExpression' || (a.left as Node).type !== 'Identifier') continue;
        const keyword = (a.left as Node).name as string;
        const method = src(callee);
        if (keyword === 'ret' || keyword === 'awaitable') {
          const dot = method.lastIndexOf('.');
          hint = `${keyword}=True is Charm4py's spelling; in charmts: ${dot >= 0 ? `${method.slice(0, dot)}.${keyword}${method.slice(dot)}` : `proxy.${keyword}.method`}(...) returns a Future (await it)`;
        } else if (keyword === 'onPE') {
          hint = `onPE=${src(a.right as Node)} is Charm4py's spelling; in charmts options are an object: { onPE: ${src(a.right as Node)} }`;
        }
      }
    }
  });
  return hint;
}
