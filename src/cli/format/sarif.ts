/**
 * SARIF 2.1.0 output for code-scanning upload: one run, the tool's rules from the finding-code
 * catalogue, one result per finding with a physical location (SARIF lines and columns are 1-based).
 */
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnalysisReport } from '../../core/model/analysis';
import { CODES } from '../../core/model/codes';
import type { Severity } from '../../core/model/finding';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note', hint: 'note' };

export function toSarif(reports: readonly AnalysisReport[], version: string, cwd: string): unknown {
  const used = new Set(reports.flatMap((r) => r.findings.map((f) => f.code)));
  const rules = [...CODES.values()].filter((c) => used.has(c.code)).map((c) => ({
    id: c.code,
    name: c.code.replace(/(^|-)([a-z])/g, (_m, _d, ch: string) => ch.toUpperCase()),
    shortDescription: { text: c.title },
    helpUri: `https://github.com/transferlens/transferlens#${c.code}`,
    defaultConfiguration: { level: LEVEL[c.severity] },
  }));
  const results = reports.flatMap((r) =>
    r.findings.map((f) => {
      const rel = relative(cwd, f.file);
      return {
        ruleId: f.code,
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: rel.startsWith('..') ? { uri: pathToFileURL(f.file).href } : { uri: rel.split('\\').join('/'), uriBaseId: '%SRCROOT%' },
              region: {
                startLine: f.range.start.line + 1,
                startColumn: f.range.start.character + 1,
                endLine: f.range.end.line + 1,
                endColumn: f.range.end.character + 1,
              },
            },
          },
        ],
        ...(f.data ? { properties: f.data } : {}),
      };
    }),
  );
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'TransferLens', version, informationUri: 'https://github.com/transferlens/transferlens', rules } },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd + '/').href } },
        results,
      },
    ],
  };
}
