// A main chare (Charm4py's charm.start(Main)): constructed on PE 0 with the
// program's arguments; its async set-up (onCreated) runs the program.
//   mpirun -np N node dist/test/programs/mainChare.js [exit code]
import { charm, Chare, type CollectionProxy } from '../../lib';

class Hello extends Chare {
  hi(main: CollectionProxy<Main>): number {
    main.count();
    return charm.myPe();
  }
}
charm.register(Hello);

class Main extends Chare {
  greeted = 0;
  constructor(private readonly args: string[]) {
    super();
    console.log(`main chare constructed on PE ${charm.myPe()} with ${JSON.stringify(args.filter((a) => !a.startsWith('--charmts-process-test')))}`);
  }
  override async onCreated(): Promise<void> {
    const pes = await charm.createGroup(Hello).ret.hi(this.thisProxy);
    await this.wait(() => this.greeted === charm.numPes());
    console.log(`greeted by ${pes.join(',')}`);
    charm.exit(Number(this.args[0] ?? 0));
  }
  count(): void {
    this.greeted++;
  }
}
charm.register(Main);

charm.start(Main);
