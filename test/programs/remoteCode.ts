// Remote code through the runtime group: off unless enabled at start.
//   node remoteCode.js on|off
import { charm } from '../../lib';

const on = process.argv.includes('on');
charm.start(
  async () => {
    const last = charm.numPes() - 1;
    try {
      await charm.thisProxy.awaitable.updateGlobals({ MY_GLOBAL: 1234 });
      await charm.thisProxy[last].awaitable.exec('globalThis.fromExec = 6 * 7');
      const values = await charm.thisProxy.ret.eval('MY_GLOBAL');
      const fromExec = await charm.thisProxy[last].ret.eval('fromExec');
      console.log(`remote code ran: ${values.join(',')} ${fromExec}`);
    } catch (error) {
      console.log(`refused: ${(error as Error).message}`);
    }
    charm.exit();
  },
  { remoteCode: on },
);
