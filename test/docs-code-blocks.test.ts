// Every code block of README.md, docs/*.md and packages/*/README.md is checked here, so that samples
// cannot rot. The examples/*.mjs files are type-checked alongside, and run (the distributed ones for
// 2 s, when their server is up).
//
// How a block is checked, by the language of its fence:
// - ```ts / ```typescript: type-checked as an ES module of its own, against the built packages as a
//   user imports them (`tscron`, `@tscron/redis`, `@tscron/postgres`, `ioredis`, `pg`), under strict
//   settings with `module: nodenext`. ```js / ```mjs: the same, as JavaScript (`checkJs`).
//   All blocks go through one compiler run; a failure names the markdown file and line.
// - ```sh / ```bash / ```shell: every `npm run X` and `npm start|test|...` names a root script, and
//   every `node <file>` names a file that exists. Inline code like `npm run X` in the prose too.
// - Any other fence (no language, text, json, ...) is prose and is not checked.
//
// Written on the line right before the fence, an HTML comment (hidden when rendered) changes that:
// - `<!-- run -->`: the block is also executed (TypeScript through tsx), from the repository root,
//   and must exit with status 0 by itself within 20 s. It may use the local Redis and PostgreSQL.
// - `<!-- prelude: declare function sendDigest(): Promise<void>; -->`: code put before the block's
//   own, for a fragment that uses names it does not define (it may span lines). Prefer samples that
//   stand on their own.
// Both may be given, as two comments on consecutive lines.
//
// The blocks are written to `.docs-check/` (ignored by git) and removed afterwards. Nothing is built
// here: `npm test` builds the packages before vitest starts.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAvailable } from '../test-support/services.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const workDir = join(root, '.docs-check', `run-${process.pid}`);
const RUN_TIMEOUT = 20_000;

interface Block {
  /** The markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** How far the fence is indented (a block inside a list item); added back to error columns. */
  indent: number;
  prelude: string;
  run: boolean;
}

/** The markdown files whose blocks are checked. */
function markdownFiles(): string[] {
  const files = ['README.md'];
  const inDir = (dir: string) =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir))
          .filter((name) => name.endsWith('.md'))
          .sort()
          .map((name) => `${dir}/${name}`)
      : [];
  files.push(...inDir('docs'));
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    if (existsSync(join(root, 'packages', pkg, 'README.md'))) files.push(`packages/${pkg}/README.md`);
  }
  return files;
}

/** The directives in the HTML comments that end on the line right before a fence. */
function directives(lines: string[], fence: number): { prelude: string; run: boolean } {
  const preludes: string[] = [];
  let run = false;
  let end = fence - 1;
  while (end >= 0 && lines[end]?.trim().endsWith('-->')) {
    let start = end;
    while (start > 0 && !lines[start]?.includes('<!--')) start--;
    const text = lines
      .slice(start, end + 1)
      .join('\n')
      .trim();
    const body = text.replace(/^<!--/, '').replace(/-->$/, '').trim();
    if (body === 'run') run = true;
    else if (body.startsWith('prelude:')) preludes.unshift(body.slice('prelude:'.length).trim());
    end = start - 1;
  }
  return { prelude: preludes.join('\n'), run };
}

/** The fenced code blocks of a markdown file. */
function extractBlocks(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const marker = open[2] ?? '```';
    const close = new RegExp(`^ *${marker[0] === '`' ? '`' : '~'}{${marker.length},}\\s*$`);
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !close.test(lines[j] ?? '')) {
      const text = lines[j] ?? '';
      body.push(text.slice(Math.min(indent, text.length - text.trimStart().length)));
      j++;
    }
    blocks.push({
      file,
      line: i + 1,
      lang: (open[3] ?? '').toLowerCase(),
      code: body.join('\n'),
      indent,
      ...directives(lines, i),
    });
    i = j;
  }
  return blocks;
}

const TS_EXTENSION: Record<string, string> = {
  ts: '.mts',
  typescript: '.mts',
  mts: '.mts',
  cts: '.cts',
  js: '.mjs',
  javascript: '.mjs',
  mjs: '.mjs',
  cjs: '.cjs',
};
const SHELL = new Set(['sh', 'bash', 'shell', 'console']);

const files = markdownFiles();
const blocks = files.flatMap(extractBlocks);
const codeBlocks = blocks.filter((block) => TS_EXTENSION[block.lang] !== undefined);
const examples = readdirSync(join(root, 'examples'))
  .filter((name) => /\.[cm]?js$/.test(name))
  .sort()
  .map((name) => `examples/${name}`);
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
    .scripts ?? {},
);

/** Examples that end by themselves (given this environment) and the server they need, if any. */
const exampleRuns: Record<string, { env?: Record<string, string>; service?: [string, string, number] }> = {
  'examples/upcoming-runs.mjs': {},
  'examples/distributed-redis.mjs': {
    env: { RUN_FOR: '2s' },
    service: ['Redis', process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 6379],
  },
  'examples/distributed-postgres.mjs': {
    env: { RUN_FOR: '2s' },
    service: ['PostgreSQL', process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test', 5432],
  },
};

/** Where a block's code is written, and how its lines map back to the markdown. */
interface Written {
  block: Block;
  path: string;
  preludeLines: number;
}

const written = new Map<string, Written>();
/** Diagnostics per file that was type-checked (a written block or an example), formatted. */
const problems = new Map<string, string[]>();
const globalProblems: string[] = [];
const runs = new Map<Block | string, Promise<string | undefined>>();

function blockPath(block: Block): string {
  const slug = block.file.replace(/[/.]/g, '-');
  return join(workDir, `${slug}-${block.line}${TS_EXTENSION[block.lang]}`);
}

/** `file:line:column` of a diagnostic, in markdown terms for a block. */
function locate(fileName: string, line: number, column: number): { key: string; where: string } {
  const entry = written.get(fileName);
  if (!entry) {
    const rel = relative(root, fileName);
    return { key: rel, where: `${rel}:${line + 1}:${column + 1}` };
  }
  const { block, preludeLines } = entry;
  const where =
    line < preludeLines
      ? `${block.file}:${block.line - 1} (prelude)`
      : `${block.file}:${block.line + 1 + line - preludeLines}:${column + 1 + block.indent}`;
  return { key: entry.path, where };
}

function typeCheck(rootNames: string[]): void {
  const options: ts.CompilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    // Nest's decorators (the @tscron/nestjs samples) are TypeScript's legacy ones.
    experimentalDecorators: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    moduleDetection: ts.ModuleDetectionKind.Force,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    allowJs: true,
    checkJs: true,
    noEmit: true,
    skipLibCheck: true,
  };
  const program = ts.createProgram(rootNames, options);
  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    globalProblems.push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  for (const name of rootNames) {
    const source = program.getSourceFile(name);
    if (!source) {
      globalProblems.push(`${name} was not loaded`);
      continue;
    }
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line, character } = source.getLineAndCharacterOfPosition(d.start ?? 0);
      const { key, where } = locate(name, line, character);
      const message = `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      problems.set(key, [...(problems.get(key) ?? []), message]);
    }
  }
}

/** Runs a file with node (tsx for TypeScript); resolves with an error description, or undefined. */
function runFile(path: string, env: Record<string, string> = {}): Promise<string | undefined> {
  const args = /\.[cm]?ts$/.test(path) ? ['--import', 'tsx', path] : [path];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: root,
        env: { ...process.env, ...env },
        timeout: RUN_TIMEOUT,
        killSignal: 'SIGKILL',
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) return resolve(undefined);
        const why = error.killed
          ? `did not exit within ${RUN_TIMEOUT / 1000} s`
          : `failed (${error.message})`;
        resolve(`${why}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
      },
    );
  });
}

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  for (const block of codeBlocks) {
    const path = blockPath(block);
    const prelude = block.prelude ? `${block.prelude}\n` : '';
    writeFileSync(path, `${prelude}${block.code}\n`);
    written.set(path, { block, path, preludeLines: prelude ? prelude.split('\n').length - 1 : 0 });
  }
  // Runs start first, so that they proceed while the compiler works.
  for (const block of codeBlocks.filter((b) => b.run)) {
    const path = blockPath(block);
    runs.set(block, runFile(path));
  }
  for (const [example, { env, service }] of Object.entries(exampleRuns)) {
    if (service === undefined || (await serviceAvailable(...service))) {
      runs.set(example, runFile(join(root, example), env));
    }
  }
  typeCheck([...written.keys(), ...examples.map((example) => join(root, example))]);
}, 60_000);

afterAll(async () => {
  await Promise.all(runs.values());
  rmSync(workDir, { recursive: true, force: true });
  try {
    // The parent goes too unless another run is using it.
    if (readdirSync(dirname(workDir)).length === 0) rmSync(dirname(workDir), { recursive: true });
  } catch {
    // Gone already.
  }
});

/** Problems of a shell block: npm scripts that do not exist, node files that are missing. */
function shellProblems(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(
    /\bnpm\s+(?:run(?:-script)?\s+([\w:.-]+)|(start|test|stop|restart)\b)/g,
  )) {
    const name = match[1] ?? match[2] ?? '';
    if (!scripts.includes(name)) found.push(`npm script "${name}" is not in the root package.json`);
  }
  for (const match of text.matchAll(/\bnode\s+(?:--?[\w-]+(?:[= ]\S+)?\s+)*([\w./-]+\.[cm]?[jt]s)\b/g)) {
    const path = match[1] ?? '';
    if (!existsSync(join(root, path))) found.push(`node runs ${path}, which does not exist`);
  }
  return found;
}

describe('code samples in the documentation', () => {
  it('finds the markdown files and their blocks', () => {
    expect(files).toContain('README.md');
    expect(files.some((file) => file.startsWith('docs/'))).toBe(true);
    expect(codeBlocks.length).toBeGreaterThan(5);
    expect(codeBlocks.some((block) => block.run)).toBe(true);
    expect(globalProblems).toEqual([]);
  });

  for (const file of files) {
    describe(file, () => {
      for (const block of blocks.filter((b) => b.file === file)) {
        const label = `\`\`\`${block.lang} at line ${block.line}`;
        if (TS_EXTENSION[block.lang] !== undefined) {
          it(`${label} type-checks`, () => {
            const found = problems.get(blockPath(block)) ?? [];
            expect(found, found.join('\n')).toEqual([]);
          });
          if (block.run) {
            it(
              `${label} runs`,
              async () => {
                const failure = await runs.get(block);
                expect(failure, `${block.file}:${block.line} ${failure}`).toBeUndefined();
              },
              RUN_TIMEOUT + 5_000,
            );
          }
        } else if (SHELL.has(block.lang)) {
          it(`${label} names existing npm scripts and files`, () => {
            const found = shellProblems(block.code);
            expect(found, `${block.file}:${block.line} ${found.join('; ')}`).toEqual([]);
          });
        }
      }
      it('names existing npm scripts in its inline code', () => {
        const text = readFileSync(join(root, file), 'utf8');
        const inline = [...text.matchAll(/(?<!`)`([^`\n]+)`(?!`)/g)].map((match) => match[1] ?? '');
        const found = shellProblems(inline.join('\n'));
        expect(found, `${file}: ${found.join('; ')}`).toEqual([]);
      });
    });
  }
});

describe('examples', () => {
  for (const example of examples) {
    it(`${example} type-checks`, () => {
      const found = problems.get(example) ?? [];
      expect(found, found.join('\n')).toEqual([]);
    });
    if (exampleRuns[example]) {
      it(
        `${example} runs`,
        async (context) => {
          const run = runs.get(example);
          if (!run) return context.skip();
          const failure = await run;
          expect(failure, `${example} ${failure}`).toBeUndefined();
        },
        RUN_TIMEOUT + 5_000,
      );
    }
  }
});
