#!/usr/bin/env node
// Process entry of the `agent-mesh` command: wiring only. Each command lives in commands/<name>.ts.
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv);
