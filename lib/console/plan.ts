/**
 * What a complete piece of code typed at the console means for the other
 * PEs. Definitions and imports run on every PE, in order, before the code
 * runs on PE 0, so that a line using them finds them everywhere:
 *
 *   class N extends S { ... }      every class: a global on every PE (so
 *                                  it can be redefined); chare classes are
 *                                  registered everywhere, replacing an
 *                                  older class of that name for new chares
 *   function f() { ... }           every PE (pool tasks can call it, or
 *   const f = () => ...            themselves, by name)
 *   const m = require('m')         every PE, resolved from the console's
 *   import x from 'm'              directory (import becomes import())
 *
 * Parsing is acorn's, the parser Node's own REPL uses.
 */
import * as acorn from 'acorn';
import { createRequire } from 'module';
import * as path from 'path';
import { pathToFileURL } from 'url';

/** One top-level statement to run on the other PEs. */
export interface Broadcast {
  /** Statements for `exec` (global scope), or an async function body for `eval` (imports). */
  code: string;
  /** The body awaits (imports): run as an async function. */
  async: boolean;
}

export interface Plan {
  /** What runs on PE 0 (classes rewritten as global assignments, imports as import()). */
  local: string;
  /** What runs on the other PEs first, in order. */
  broadcasts: Broadcast[];
  /** Classes the code defines (registered as chares where they extend Chare). */
  classes: string[];
  /** Names bound by imports and requires. */
  imported: string[];
  /** Functions the code defines (on every PE). */
  functions: string[];
}

type Node = acorn.Node & Record<string, unknown>;

const OPTIONS: acorn.Options = { ecmaVersion: 'latest', allowAwaitOutsideFunction: true, allowHashBang: true };

/**
 * The program `code` parses to, or the syntax error. Imports make it a
 * module; anything else is read as a script, as the REPL runs it.
 */
export function parseInput(code: string): acorn.Program | SyntaxError {
  try {
    return acorn.parse(code, { ...OPTIONS, sourceType: 'script' });
  } catch (scriptError) {
    try {
      const program = acorn.parse(code, { ...OPTIONS, sourceType: 'module' });
      if (program.body.some((s) => s.type === 'ImportDeclaration')) return program;
    } catch {
      /* the script's error is the one to report */
    }
    return scriptError as SyntaxError;
  }
}

/** Calls `visit` on every node under `node` (depth first, parents first). */
export function walk(node: unknown, visit: (node: Node, parent: Node | undefined) => void, parent?: Node): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit, parent);
    return;
  }
  const n = node as Node;
  if (typeof n.type !== 'string') return;
  visit(n, parent);
  for (const key of Object.keys(n)) if (key !== 'type' && key !== 'start' && key !== 'end') walk(n[key], visit, n);
}

function callsRequire(node: unknown): boolean {
  let found = false;
  walk(node, (n) => {
    if (n.type === 'CallExpression' && (n.callee as Node).type === 'Identifier' && (n.callee as Node).name === 'require') found = true;
  });
  return found;
}

const FUNCTION_LIKE = new Set(['FunctionExpression', 'ArrowFunctionExpression', 'ClassExpression']);

function boundNames(pattern: Node, into: string[]): string[] {
  walk(pattern, (n, parent) => {
    if (n.type !== 'Identifier') return;
    // In { a: b } the binding is b; a key names nothing (in { a } the value node names a).
    if (parent?.type === 'Property' && parent.key === n) return;
    if (parent?.type === 'AssignmentPattern' && parent.right === n) return;
    into.push(n.name as string);
  });
  return into;
}

/** A module specifier as the console's directory sees it (other PEs resolve it the same). */
function resolveSpecifier(specifier: string): string {
  if (specifier.startsWith('node:')) return specifier;
  try {
    const resolved = createRequire(path.join(process.cwd(), 'console.js')).resolve(specifier);
    return path.isAbsolute(resolved) ? pathToFileURL(resolved).href : resolved;
  } catch {
    return specifier.startsWith('.') ? pathToFileURL(path.resolve(specifier)).href : specifier;
  }
}

/** `import ... from 'm'` as assignments of globals from `await import()` (cached: one load). */
function importAsAssignments(node: Node, imported: string[]): string {
  const load = `(await import(${JSON.stringify(resolveSpecifier((node.source as Node).value as string))}))`;
  const specifiers = node.specifiers as Node[];
  if (specifiers.length === 0) return `${load};`;
  return specifiers
    .map((s) => {
      const local = (s.local as Node).name as string;
      imported.push(local);
      if (s.type === 'ImportNamespaceSpecifier') return `globalThis.${local} = ${load};`;
      if (s.type === 'ImportDefaultSpecifier') return `globalThis.${local} = ${load}.default;`;
      const name = (s.imported as Node).type === 'Identifier' ? ((s.imported as Node).name as string) : ((s.imported as Node).value as string);
      return `globalThis.${local} = ${load}[${JSON.stringify(name)}];`;
    })
    .join(' ');
}

/** What to run where for a complete program (see the module comment). */
export function plan(code: string, program: acorn.Program): Plan {
  const text = (n: acorn.Node): string => code.slice(n.start, n.end);
  const broadcasts: Broadcast[] = [];
  const classes: string[] = [];
  const imported: string[] = [];
  const functions: string[] = [];
  // Rewrites of PE 0's code, applied back to front so offsets stay valid.
  const edits: Array<[number, number, string]> = [];
  for (const statement of program.body as Node[]) {
    if (statement.type === 'ImportDeclaration') {
      const body = importAsAssignments(statement, imported);
      broadcasts.push({ code: body, async: true });
      edits.push([statement.start, statement.end, body]);
    } else if (statement.type === 'ClassDeclaration') {
      const name = (statement.id as Node).name as string;
      // A chare class is registered at once (the console defines __charmtsConsole on every PE).
      const assignment = `globalThis.${name} = ${text(statement)}; __charmtsConsole.define(globalThis.${name});`;
      classes.push(name);
      broadcasts.push({ code: assignment, async: false });
      edits.push([statement.start, statement.end, assignment]);
    } else if (statement.type === 'FunctionDeclaration') {
      broadcasts.push({ code: text(statement), async: false });
      functions.push((statement.id as Node).name as string);
    } else if (statement.type === 'VariableDeclaration') {
      const declarations = statement.declarations as Node[];
      const shared = declarations.some((d) => callsRequire(d.init) || FUNCTION_LIKE.has((d.init as Node | null)?.type as string));
      if (!shared) continue;
      // `var` in global code makes globals on the other PEs; PE 0 keeps the REPL's own binding.
      broadcasts.push({ code: `var ${text(statement).replace(/^(const|let|var)\s+/, '')}`, async: false });
      for (const d of declarations) boundNames(d.id as Node, callsRequire(d.init) ? imported : functions);
    } else if (statement.type === 'ExpressionStatement' && callsRequire(statement) && (statement.expression as Node).type === 'CallExpression') {
      broadcasts.push({ code: text(statement), async: false });
    }
  }
  let local = code;
  for (const [start, end, replacement] of edits.reverse()) local = local.slice(0, start) + replacement + local.slice(end);
  return { local, broadcasts, classes, imported, functions };
}

/** True when a syntax error is only the input ending early (the REPL asks for more lines). */
export function endsEarly(error: SyntaxError, code: string): boolean {
  const at = (error as SyntaxError & { raisedAt?: number; pos?: number }).raisedAt ?? (error as SyntaxError & { pos?: number }).pos ?? -1;
  return at >= code.trimEnd().length || /Unterminated template|Unterminated comment/.test(error.message);
}
