/**
 * LLaMA-Factory's tool formatters (src/core/formats/toolPrompts.ts) against texts written out by
 * hand from its tool_utils.py, and Python's json.dumps separators.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFunctionCall, formatTools, pythonJson, toolsForTemplate } from '../../../src/core/formats/toolPrompts';

const WEATHER = { type: 'function', function: { name: 'get_weather', description: 'Weather now.', parameters: { type: 'object', properties: { city: { type: 'string', description: 'City' }, unit: { type: 'string', description: 'Unit', enum: ['c', 'f'] }, days: { type: 'array', description: 'Days', items: { type: 'integer' } } }, required: ['city'] } } };

test("pythonJson is Python's json.dumps(ensure_ascii=False): ', ' and ': ' without indent; ',' and newlines with one", () => {
  assert.equal(pythonJson({ a: 1, b: [1, 'é', null, true], c: {} }), '{"a": 1, "b": [1, "é", null, true], "c": {}}');
  assert.equal(pythonJson({ a: [1, 2], b: [] }, 4), '{\n    "a": [\n        1,\n        2\n    ],\n    "b": []\n}');
  assert.equal(pythonJson('say "hi"\n'), '"say \\"hi\\"\\n"');
});

test("the default formatter lists each tool's arguments as LLaMA-Factory's DefaultToolUtils does", () => {
  const text = formatTools('default', JSON.stringify([WEATHER, { name: 'noop', parameters: { type: 'object', properties: {} } }]));
  assert.equal(text,
    'You have access to the following tools:\n' +
    '> Tool Name: get_weather\nTool Description: Weather now.\nTool Args:\n' +
    '  - city (string, required): City\n  - unit (string): Unit, should be one of [c, f]\n  - days (array): Days, where each item should be integer\n\n' +
    '> Tool Name: noop\nTool Description: \nTool Args:\n\n' +
    'Use the following format if using a tool:\n```\nAction: tool name (one of [get_weather, noop])\n' +
    'Action Input: the input to the tool, in a JSON format representing the kwargs (e.g. ```{"input": "hello world", "num_beams": 5}```)\n```\n');
});

test('qwen: one JSON line per tool (bare functions wrapped), llama3: indented JSON after the dated preamble', () => {
  const bare = { name: 'f', parameters: {} };
  const qwen = formatTools('qwen', JSON.stringify([bare]));
  assert.ok(qwen.startsWith('\n\n# Tools\n\nYou may call one or more functions'));
  assert.ok(qwen.includes('<tools>\n{"type": "function", "function": {"name": "f", "parameters": {}}}\n</tools>'));
  const llama = formatTools('llama3', JSON.stringify([bare]), new Date(2026, 11, 7));
  assert.ok(llama.startsWith('Cutting Knowledge Date: December 2023\nToday Date: 07 Dec 2026\n\n'));
  assert.ok(llama.endsWith('Do not use variables.\n\n{\n    "type": "function",\n    "function": {\n        "name": "f",\n        "parameters": {}\n    }\n}\n\n'));
});

test('an empty list adds nothing; invalid JSON throws as LLaMA-Factory does; templates get a list or null', () => {
  assert.equal(formatTools('default', '[]'), '');
  assert.throws(() => formatTools('qwen', '[{'));
  assert.equal(toolsForTemplate(undefined), null);
  assert.equal(toolsForTemplate(''), null);
  assert.equal(toolsForTemplate('[]'), null);
  assert.deepEqual(toolsForTemplate('[{"name":"f"}]'), [{ name: 'f' }]);
});

test("function-call turns as LLaMA-Factory's FunctionFormatter writes them: default, qwen, llama3; <tool_call> and <think> kept", () => {
  const call = JSON.stringify({ name: 'get_weather', arguments: { city: 'Lyon' } });
  assert.equal(formatFunctionCall('default', call), 'Action: get_weather\nAction Input: {"city": "Lyon"}');
  assert.equal(formatFunctionCall('qwen', `[${call},${call}]`), '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>');
  assert.equal(formatFunctionCall('llama3', call), '{"name": "get_weather", "parameters": {"city": "Lyon"}}');
  assert.equal(formatFunctionCall('default', `Let me check. <tool_call>${call}</tool_call>`), 'Let me check. Action: get_weather\nAction Input: {"city": "Lyon"}');
  assert.equal(formatFunctionCall('qwen', `<think>\nweather needed\n</think>\n\n${call}`), '<think>\nweather needed\n</think>\n\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call>');
  assert.throws(() => formatFunctionCall('default', 'get_weather(Lyon)'));
  assert.throws(() => formatFunctionCall('default', '{"name": "f"}'), /needs "name" and "arguments"/);
});

test("mistral: the tools as one JSON list inside [AVAILABLE_TOOLS], function calls as a JSON list (MistralToolUtils)", () => {
  assert.equal(formatTools('mistral', JSON.stringify([{ name: 'f', parameters: {} }])), '[AVAILABLE_TOOLS] [{"type": "function", "function": {"name": "f", "parameters": {}}}][/AVAILABLE_TOOLS]');
  assert.equal(formatFunctionCall('mistral', JSON.stringify({ name: 'f', arguments: { a: 1 } })), '[{"name": "f", "arguments": {"a": 1}}]');
});
