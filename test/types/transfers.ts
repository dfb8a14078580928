// Type tests: charm.transfer wraps a typed-array argument in place, on
// every path a value leaves a chare; what is not a typed array does not
// compile.
import { charm, Chare, Channel, Future, Reducer } from '../../lib';

class Field extends Chare<[number]> {
  take(values: Float64Array, bytes: Uint8Array): number {
    return values.length + bytes.length;
  }
  give(): Float64Array {
    return charm.transfer(new Float64Array(8));
  }
  share(f: Future<Float64Array>, out: Channel<Float64Array>): void {
    f.send(charm.transfer(new Float64Array(8)));
    out.send(charm.transfer(new Float64Array(8)));
    this.contribute(charm.transfer(new Float64Array(8)), Reducer.sum, f);
    this.thisProxy.at([1]).take(charm.transfer(new Float64Array(4)), charm.transfer(Buffer.allocUnsafeSlow(16)));
    const kept: Float64Array = charm.transfer(new Float64Array(2)); // the same view, typed as itself
    void kept;
    // @ts-expect-error a DataView cannot be sent, so it cannot be transferred
    charm.transfer(new DataView(new ArrayBuffer(8)));
    // @ts-expect-error an ArrayBuffer itself is not a view: wrap it in a typed array
    charm.transfer(new ArrayBuffer(8));
    // @ts-expect-error the transferred array keeps its type: not a Float64Array argument
    this.thisProxy.at([1]).take(charm.transfer(new Int32Array(4)), new Uint8Array(1));
  }
}
charm.register(Field);
