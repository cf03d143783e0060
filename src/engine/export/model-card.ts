import type { LanguageModelManifest, ModelManifest } from './manifest';

/** The card's closing sections, the same for every kind of model: training, what is left out, the files, how to use it. */
function trainingAndFiles(
  m: ModelManifest | LanguageModelManifest,
  seedLine: string,
  alsoNotExported: string[],
  usage: string,
): string[] {
  return [
    '## Training',
    '',
    `${seedLine} Recipe:`,
    '',
    '```json',
    JSON.stringify(m.recipe, null, 2),
    '```',
    '',
    '## Not in this export',
    '',
    ...[...m.notExported, ...alsoNotExported].map((s) => `- ${s}`),
    '',
    '## Files',
    '',
    ...m.files.map((f) => `- \`${f.name}\` (${f.format}, ${f.bytes.toLocaleString('en-US')} bytes)`),
    '- `manifest.json`: everything above, machine-readable.',
    '',
    usage,
    '',
  ];
}

/** README.md of an export folder: a short model card drawn from the manifest. */
export function modelCard(m: ModelManifest): string {
  const { height, width, channels } = m.input;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `# ${m.space.name} model${m.sourceRun ? ` from ${m.sourceRun}` : ''}`,
    '',
    `Exported by nas-studio on ${m.createdAt}. ${m.architecture.parameters.toLocaleString('en-US')} parameters.`,
    '',
    '## Architecture',
    '',
    `Search space: \`${m.space.name}\`${m.sourceRun ? `; found by the search run \`${m.sourceRun}\`` : ''}.`,
    '',
    '```',
    m.architecture.text,
    '```',
    '',
    'The JSON form, the space config and the final network options are in manifest.json.',
    '',
    '## Input and preprocessing',
    '',
    `- ${height}×${width}, ${channels} channel${channels === 1 ? '' : 's'} (${m.preprocessing.color}), float32.`,
    `- ONNX (\`model.onnx\`): NCHW input \`${m.input.onnxInputName}\` [N, ${channels}, ${height}, ${width}], output \`${m.input.onnxOutputName}\` [N, ${m.output.classes}].`,
    `- TensorFlow.js (\`model.json\`): NHWC input [N, ${height}, ${width}, ${channels}], output logits [N, ${m.output.classes}].`,
    `- Resize the image to ${height}×${width} (bilinear), take pixel / 255, then (value − mean) / std per channel with mean = [${m.preprocessing.mean.map((v) => v.toFixed(4)).join(', ')}], std = [${m.preprocessing.std.map((v) => v.toFixed(4)).join(', ')}].`,
    '- The output is logits: apply softmax for probabilities.',
    '',
    '## Classes',
    '',
    m.classNames.map((c, i) => `${i}. ${c}`).join('\n'),
    '',
    '## Evaluation',
    '',
    m.metrics.testAcc !== undefined
      ? `Test accuracy: ${pct(m.metrics.testAcc)} (held-out test split).`
      : 'No test accuracy was recorded.',
  ];
  if (m.metrics.perClassAcc)
    lines.push(
      '',
      '| class | accuracy |',
      '| --- | --- |',
      ...m.metrics.perClassAcc.map((a, i) => `| ${m.classNames[i]} | ${pct(a)} |`),
    );
  if (m.metrics.confusion)
    lines.push(
      '',
      'Confusion matrix (rows: true class, columns: predicted) is in manifest.json, `metrics.confusion`.',
    );
  lines.push(
    '',
    ...trainingAndFiles(
      m,
      `Seed ${m.seed}.`,
      [],
      'Use it: `nas-studio predict <this folder> image.png`. Loading in Python and JavaScript: docs/export.md.',
    ),
  );
  return lines.join('\n');
}

/** README.md of a language model's export folder: a short model card drawn from its manifest. */
export function languageModelCard(m: LanguageModelManifest): string {
  const { inputs, outputs, hiddenSize: H } = m.step;
  const V = m.output.vocab;
  const v = m.vocabulary;
  const shape = (s: Array<number | 'N'>) => `[${s.join(', ')}]`;
  const metrics = [
    m.metrics.testPerplexity !== undefined
      ? `Test perplexity: ${m.metrics.testPerplexity.toFixed(2)} (held-out test split).`
      : 'No test perplexity was recorded.',
  ];
  if (m.metrics.valPerplexity !== undefined)
    metrics.push(`Validation perplexity: ${m.metrics.valPerplexity.toFixed(2)}.`);
  return [
    `# ${m.space.name} language model${m.sourceRun ? ` from ${m.sourceRun}` : ''}`,
    '',
    `Exported by nas-studio on ${m.createdAt}. ${m.architecture.parameters.toLocaleString('en-US')} parameters; a word-level recurrent language model over ${V.toLocaleString('en-US')} tokens.`,
    '',
    '## Architecture',
    '',
    `Search space: \`${m.space.name}\`; the recurrent cell:`,
    '',
    '```',
    m.architecture.text,
    '```',
    '',
    'The JSON form, the space config and the final network options are in manifest.json.',
    '',
    '## One step per token',
    '',
    `The model is one recurrent step, run token by token with its state fed back (${m.step.initialHidden} before a text's first token):`,
    '',
    `- inputs: \`${inputs.tokens.name}\` ${shape(inputs.tokens.shape)} ${inputs.tokens.dtype} (token ids), \`${inputs.hidden.name}\` ${shape(inputs.hidden.shape)} ${inputs.hidden.dtype} (the state, H = ${H});`,
    `- outputs: \`${outputs.logits.name}\` ${shape(outputs.logits.shape)} (the next token's logits; softmax for probabilities), \`${outputs.hidden.name}\` ${shape(outputs.hidden.shape)} (the state to feed back as \`${inputs.hidden.name}\`).`,
    '',
    '## Vocabulary',
    '',
    `\`${v.file}\`: a JSON array of the ${v.size.toLocaleString('en-US')} tokens, index = token id. Tokenization: ${v.tokenization}.${v.unknownToken ? ` A word outside it is \`${v.unknownToken}\`.` : ''}${v.endOfSentenceToken ? ` Each line ends with \`${v.endOfSentenceToken}\`.` : ''}`,
    '',
    '## Evaluation',
    '',
    ...metrics,
    '',
    ...trainingAndFiles(
      m,
      `Seed ${m.seed}${m.trainedWindow ? `, BPTT windows of ${m.trainedWindow} tokens` : ''}.`,
      ['TensorFlow.js: the layers format cannot express the step (docs/export.md).'],
      'Use it: `nas-studio predict <this folder> --text "the words so far"` prints the most probable next tokens. Loading in Python and JavaScript: docs/export.md.',
    ),
  ].join('\n');
}
