// Prints the host layout as every PE sees it: numHosts, and myHost per PE.
import { charm } from '../../lib';

charm.start(async () => {
  const hosts = await charm.thisProxy.ret.myHost();
  const counts = await charm.thisProxy.ret.numHosts();
  console.log(`layout numHosts=${charm.numHosts()} hosts=${hosts.join(',')} counts=${counts.join(',')}`);
  charm.exit();
});
