// Type tests: proxies in class hierarchies, written as a user writes them
// (no `this:` annotations, no casts). A base class generic over its index
// (`Base<I extends readonly number[]> extends Chare<I>`) sees `thisProxy`
// and `thisElement` through the constraint of `I`: an array proxy, whose
// `at` takes an `I`. Subclasses that fix the index get the plain proxies
// (bench/cases/pingpong.ts's players). Every line without a directive must
// compile; every `@ts-expect-error` line must fail to compile.
import { charm, Chare, Future, type ArrayIndex } from '../../lib';

/** A stencil over any number of dimensions: the neighbours come from the subclass. */
abstract class Stencil<I extends readonly number[]> extends Chare<I> {
  protected abstract neighbours(): I[];
  halo(edge: Float64Array): void {
    void edge;
  }
  exchange(edge: Float64Array): Future<void> {
    for (const n of this.neighbours()) this.thisProxy.at(n).halo(edge);
    this.thisProxy.at(this.thisIndex).halo(edge);
    this.thisElement.halo(edge);
    this.thisElement.ckMigrate(0);
    this.thisProxy.at(this.thisIndex).ckMigrate(0);
    return this.thisProxy.awaitable.halo(edge);
  }
  invalid(edge: Float64Array): void {
    // @ts-expect-error a literal tuple need not be an I (I may be a 2-tuple)
    this.thisProxy.at([0]).halo(edge);
    // @ts-expect-error a PE number is no index of an array of tuples
    this.thisProxy.at(0);
    // @ts-expect-error wrong argument type
    this.thisProxy.at(this.thisIndex).halo('edge');
    // @ts-expect-error no such method
    this.thisProxy.at(this.thisIndex).nope();
  }
}

class Line extends Stencil<[number]> {
  protected neighbours(): [number][] {
    return [[this.thisIndex[0] - 1], [this.thisIndex[0] + 1]];
  }
}
class Plane extends Stencil<[number, number]> {
  protected neighbours(): [number, number][] {
    const [x, y] = this.thisIndex;
    return [[x + 1, y], [x, y + 1]];
  }
  corner(edge: Float64Array): void {
    this.thisProxy.at([0, 0]).halo(edge);
    // @ts-expect-error a 2D array takes 2-tuples
    this.thisProxy.at([0]).halo(edge);
  }
}
charm.register(Line, Plane);

/** A base class over any array index, keys too. */
abstract class Keyed<I extends ArrayIndex> extends Chare<I> {
  poke(): void {}
  again(): void {
    this.thisProxy.at(this.thisIndex).poke();
    this.thisElement.ckMigrate(1);
    this.thisProxy.ckInsert(this.thisIndex);
  }
}
class Named extends Keyed<string> {
  greet(): void {
    this.thisProxy.at('alice').poke();
    // @ts-expect-error keyed arrays are not indexed by numbers
    this.thisProxy.at(1);
  }
}
charm.register(Named);

/** bench/cases/pingpong.ts: an abstract player, group and array players naming their peer. */
interface Peer {
  bounce(x: Float64Array): void;
}
abstract class Player<I extends number | readonly number[]> extends Chare<I> {
  protected abstract other(): Peer;
  bounce(x: Float64Array): void {
    this.other().bounce(x);
  }
}
class GroupPlayer extends Player<number> {
  protected other(): Peer {
    return this.thisProxy[1 - this.thisIndex];
  }
}
class ArrayPlayer extends Player<readonly number[]> {
  protected other(): Peer {
    return this.thisProxy.at([1 - this.thisIndex[0]]);
  }
  invalid(): Peer {
    // @ts-expect-error an array of tuples has no string keys
    return this.thisProxy.at('peer');
  }
}
charm.register(GroupPlayer, ArrayPlayer);

/**
 * The hooks the runtime calls by name are declared on Chare: a class's own
 * are checked for spelling (`override`, as the project's noImplicitOverride
 * asks) and signature, and proxies do not offer them.
 */
class Hooked extends Chare<[number]> {
  n = 0;
  override migratable = false;
  override resumeFromSync(): void {}
  override pack(): { n: number } {
    return { n: this.n };
  }
  override unpack(state: { n: number }): void {
    this.n = state.n;
  }
  override onMigrated(): void {}
  override async onCreated(): Promise<void> {}
  step(): void {
    this.AtSync();
  }
}
charm.register(Hooked);

class Misspelt extends Chare<[number]> {
  // @ts-expect-error not a hook: Chare has no resumeFromSynch (it would never be called)
  override resumeFromSynch(): void {}
  // @ts-expect-error a hook's signature is Chare's: resumeFromSync takes no argument
  override resumeFromSync(step: string): void {
    void step;
  }
  // @ts-expect-error migratable is a boolean
  override migratable = 'no';
}
void Misspelt;

function hooksAreNotEntryMethods(hooked: import('../../lib').ArrayProxy<Hooked>): void {
  hooked.step();
  hooked.at([0]).step();
  // @ts-expect-error the balancer calls resumeFromSync, no proxy does
  hooked.resumeFromSync();
  // @ts-expect-error onMigrated is a hook, not an entry method
  hooked.at([0]).onMigrated();
}
void hooksAreNotEntryMethods;
