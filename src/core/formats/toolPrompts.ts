/**
 * Tool definitions as chat trainers put them into the prompt (issue #15, length checks): a
 * tool-calling dataset's `tools` column is rendered into the system turn, and its JSON schemas are
 * often longer than the conversation itself, so lengths that leave it out under-count.
 *
 * LLaMA-Factory (src/llamafactory/data/tool_utils.py, `tool_formatter` of each ToolUtils, written
 * here from its rules, not copied): `default` (a plain-text list of tools with their arguments,
 * used by every template that does not name another, e.g. `default`, `alpaca`, `chatml`, `empty`),
 * `qwen` (one JSON line per tool inside <tools></tools>), `llama3` (indented JSON after a
 * dated preamble) and `mistral` (one JSON list inside [AVAILABLE_TOOLS]). Python's `json.dumps` is reproduced byte for byte (`pythonJson`): its default
 * separators are ", " and ": ", unlike JSON.stringify.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type ToolFormat = 'default' | 'qwen' | 'llama3' | 'mistral';

/**
 * Python's `json.dumps(value, ensure_ascii=False[, indent])`: ", " / ": " separators without an
 * indent, "," / ": " and newlines with one; integral floats keep no ".0" (JSON has one number type,
 * so a value read from JSON text cannot tell 1 from 1.0; Python would print what the file had).
 */
export function pythonJson(value: unknown, indent?: number, depth = 0): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'string') return JSON.stringify(value);
  const pad = indent !== undefined ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
  const end = indent !== undefined ? '\n' + ' '.repeat(indent * depth) : '';
  const sep = indent !== undefined ? ',' : ', ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${pad}${value.map((v) => pythonJson(v, indent, depth + 1)).join(sep + pad)}${end}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{${pad}${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v, indent, depth + 1)}`).join(sep + pad)}${end}}`;
}

/** Python's str() of a value inside str.format (strings as they are, others as Python prints them). */
function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'object' ? pythonJson(value) : String(value);
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** An OpenAI-style `{type: function, function: {...}}` entry, or the bare function. */
function functionOf(tool: Record<string, unknown>): Record<string, unknown> {
  return tool.type === 'function' ? record(tool.function) : tool;
}

const DEFAULT_TOOL_PROMPT = (toolText: string, toolNames: string): string =>
  `You have access to the following tools:\n${toolText}Use the following format if using a tool:\n\`\`\`\nAction: tool name (one of [${toolNames}])\n` +
  'Action Input: the input to the tool, in a JSON format representing the kwargs (e.g. ```{"input": "hello world", "num_beams": 5}```)\n```\n';

function defaultTools(tools: readonly unknown[]): string {
  let toolText = '';
  const names: string[] = [];
  for (const entry of tools) {
    const tool = functionOf(record(entry));
    const parameters = record(tool.parameters);
    const required = Array.isArray(parameters.required) ? parameters.required : [];
    let params = '';
    for (const [name, raw] of Object.entries(record(parameters.properties))) {
      const param = record(raw);
      const enumValues = Array.isArray(param.enum) && param.enum.length > 0 ? `, should be one of [${param.enum.map(pyStr).join(', ')}]` : '';
      const items = param.items && typeof param.items === 'object' && Object.keys(param.items).length > 0 ? `, where each item should be ${pyStr(record(param.items).type ?? '')}` : '';
      params += `  - ${name} (${pyStr(param.type ?? '')}${required.includes(name) ? ', required' : ''}): ${pyStr(param.description ?? '')}${enumValues}${items}\n`;
    }
    toolText += `> Tool Name: ${pyStr(tool.name)}\nTool Description: ${pyStr(tool.description ?? '')}\nTool Args:\n${params}\n`;
    names.push(pyStr(tool.name));
  }
  return DEFAULT_TOOL_PROMPT(toolText, names.join(', '));
}

const wrapped = (tool: unknown): unknown => (record(tool).type === 'function' ? tool : { type: 'function', function: tool });

function qwenTools(tools: readonly unknown[]): string {
  const toolText = tools.map((t) => '\n' + pythonJson(wrapped(t))).join('');
  return (
    '\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
    `You are provided with function signatures within <tools></tools> XML tags:\n<tools>${toolText}` +
    '\n</tools>\n\nFor each function call, return a json object with function name and arguments within ' +
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function llama3Tools(tools: readonly unknown[], today: Date): string {
  const date = `${String(today.getDate()).padStart(2, '0')} ${MONTHS[today.getMonth()]} ${today.getFullYear()}`;
  const toolText = tools.map((t) => pythonJson(wrapped(t), 4) + '\n\n').join('');
  return (
    `Cutting Knowledge Date: December 2023\nToday Date: ${date}\n\n` +
    'You have access to the following functions. To call a function, please respond with JSON for a function call. ' +
    'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}. ' +
    `Do not use variables.\n\n${toolText}`
  );
}

/**
 * LLaMA-Factory's ToolFormatter: the tools JSON text → the text appended to the system prompt
 * ('' for an empty list). Throws Error when the text is not JSON, as LLaMA-Factory does.
 */
export function formatTools(format: ToolFormat, toolsJson: string, today = new Date()): string {
  const tools = JSON.parse(toolsJson) as Json;
  const list = Array.isArray(tools) ? tools : [tools];
  if (list.length === 0) return '';
  if (format === 'mistral') return `[AVAILABLE_TOOLS] ${pythonJson(list.map(wrapped))}[/AVAILABLE_TOOLS]`;
  return format === 'qwen' ? qwenTools(list) : format === 'llama3' ? llama3Tools(list, today) : defaultTools(list);
}

/** The tools JSON text as the value a Jinja chat template receives (`tools`): a list, or null when there are none. */
export function toolsForTemplate(toolsJson: string | undefined): unknown[] | null {
  if (toolsJson === undefined || toolsJson.trim() === '') return null;
  try {
    const tools = JSON.parse(toolsJson) as unknown;
    const list = Array.isArray(tools) ? tools : tools && typeof tools === 'object' ? [tools] : [];
    return list.length > 0 ? list : null;
  } catch {
    return null;
  }
}

/**
 * LLaMA-Factory's FunctionFormatter (formatter.py): an assistant's function-call message (JSON of
 * `{name, arguments}` or a list of them, optionally inside `<tool_call>…</tool_call>` after free
 * text, or after a `<think>` block) → the text its template trains on. Throws Error when the JSON
 * does not parse, as LLaMA-Factory does.
 */
export function formatFunctionCall(format: ToolFormat, content: string): string {
  const callMatch = /<tool_call>([\s\S]*?)<\/tool_call>/.exec(content);
  let prefix = '';
  let json = content;
  if (callMatch) {
    prefix = content.replace(callMatch[0], '');
    json = callMatch[1]!;
  } else {
    const thought = /<think>\n([\s\S]*?)\n<\/think>\n\n/.exec(content);
    if (thought) {
      prefix = thought[0];
      json = content.replace(thought[0], '');
    }
  }
  const parsed = JSON.parse(json) as unknown;
  const calls = (Array.isArray(parsed) ? parsed : [parsed]).map((c) => {
    const call = record(c);
    if (call.name === undefined || !('arguments' in call)) throw new Error(`a function call needs "name" and "arguments": ${json.slice(0, 80)}`);
    return { name: call.name, arguments: call.arguments };
  });
  let text: string;
  if (format === 'qwen') text = calls.map((c) => `<tool_call>\n${pythonJson({ name: c.name, arguments: c.arguments })}\n</tool_call>`).join('\n');
  else if (format === 'mistral') text = pythonJson(calls.map((c) => ({ name: c.name, arguments: c.arguments })));
  else if (format === 'llama3') {
    const objects = calls.map((c) => ({ name: c.name, parameters: c.arguments }));
    text = pythonJson(objects.length === 1 ? objects[0] : objects);
  } else text = calls.map((c) => `Action: ${pyStr(c.name)}\nAction Input: ${pythonJson(c.arguments)}`).join('\n');
  return prefix + text;
}
