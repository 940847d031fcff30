import { describe, expect, it } from 'vitest';
import { buildCorpus, CorpusError, normalizeText, Vocabulary } from '../../../src/engine/tokenizer';

describe('tokenizer', () => {
  const samples = [
    'hello, world\n',
    'emoji 👩‍👩‍👧 and 🐻 outside the BMP',
    'combining: e\u0301 vs é, a\u0308',
    '中文字符和日本語のテキスト',
    'tabs\tand\nnewlines\n\n',
  ];

  it.each(samples)('round-trips %j exactly after normalisation', (text) => {
    const vocab = Vocabulary.fromText(normalizeText(text));
    const ids = vocab.encode(text);
    expect(vocab.decode(ids)).toBe(normalizeText(text));
  });

  it('counts code points, not UTF-16 units', () => {
    const vocab = Vocabulary.fromText('a🐻b');
    expect(vocab.size).toBe(3);
    expect(vocab.encode('🐻').length).toBe(1);
  });

  it('sorts the vocabulary by code point, like Python sorted(set(text))', () => {
    const vocab = Vocabulary.fromText('zé a🐻\n');
    const cps = [...vocab.codePoints];
    expect(cps).toEqual([...cps].sort((a, b) => a - b));
    expect(vocab.itos).toEqual(['\n', ' ', 'a', 'z', 'é', '🐻']);
  });

  it('normalises to NFC and CRLF/CR to LF', () => {
    expect(normalizeText('e\u0301\r\nx\ry')).toBe('é\nx\ny');
    const corpus = buildCorpus('ab\r\nab\r\n');
    expect(corpus.text).toBe('ab\nab\n');
    expect(corpus.vocab.itos).toEqual(['\n', 'a', 'b']);
  });

  it('names characters outside the vocabulary', () => {
    const vocab = Vocabulary.fromText('abc');
    expect(() => vocab.encode('abz')).toThrow(/"z"/);
    expect(vocab.unknownChars('xaby')).toEqual(['x', 'y']);
  });

  it('rejects empty, whitespace-only, binary and single-character corpora with a message', () => {
    expect(() => buildCorpus('')).toThrow(CorpusError);
    expect(() => buildCorpus('  \n\t ')).toThrow(/empty/);
    expect(() => buildCorpus('abc\u0000def')).toThrow(/binary/);
    expect(() => buildCorpus('aaaa')).toThrow(/two distinct/);
  });

  it('exports itos/stoi and rebuilds from itos', () => {
    const vocab = Vocabulary.fromText('hello 🐻');
    const json = vocab.toJSON();
    expect(json.vocab_size).toBe(vocab.size);
    expect(json.stoi['🐻']).toBe(json.itos.indexOf('🐻'));
    expect(Vocabulary.fromItos(json.itos).itos).toEqual(vocab.itos);
    expect(() => Vocabulary.fromItos(['ab'])).toThrow(CorpusError);
  });
});
