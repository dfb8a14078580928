// Charm4py's tests/collections/proxies_same_name_aux.py: a second module
// with chare classes named like the main module's (Hello, Test). Two
// classes of one name need their own names when registered.
import * as assert from 'uvu/assert';
import { charm, Chare, type CollectionProxy } from '../../lib';

export class Hello extends Chare {
  check2(): number {
    assert.is(charm.myPe(), 1);
    return 32255;
  }
}
charm.register(Hello, { name: 'proxies_same_name_aux.Hello' });

/** The main module's Hello, as this module's Test sees it. */
interface OtherHello {
  check1(): number;
}

export class Test extends Chare {
  constructor() {
    super();
    assert.is(charm.myPe(), 1);
  }
  async test(proxy: CollectionProxy<OtherHello & Chare>, methodName: 'check1'): Promise<void> {
    assert.is(await proxy[3].ret[methodName](), 68425);
  }
}
charm.register(Test, { name: 'proxies_same_name_aux.Test' });
