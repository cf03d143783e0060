import { Command } from 'commander';
import { version } from '../../package.json';
import { registerDoctorCommand } from './commands/doctor';
import { registerSearchCommand } from './commands/search';
import { registerDataCommands } from './commands/data';
import { registerServeCommand } from './commands/serve';
import { registerStrategiesCommand } from './commands/strategies';
import { registerTrainCommand } from './commands/train';
import { registerPredictCommand } from './commands/predict';

/**
 * The headless command line: a thin shell over the engine (and the run manager). Each command lives in
 * commands/<name>.ts and registers itself here. Errors print as one plain sentence, never a stack.
 */
const program = new Command('nas-studio')
  .description('Neural architecture search on your own machine')
  .version(version, '-V, --version', 'the version of nas-studio')
  .showHelpAfterError();
registerDoctorCommand(program);
registerSearchCommand(program);
registerDataCommands(program);
registerServeCommand(program);
registerStrategiesCommand(program);
registerTrainCommand(program);
registerPredictCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`nas-studio: ${(e as Error).message}\n`);
  if (process.env.NAS_STUDIO_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
}
