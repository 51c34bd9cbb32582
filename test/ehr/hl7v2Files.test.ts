import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hl7Message } from '@medplum/core';
import { buildAck, readHl7Path, splitHl7Batch } from '../../src/ehr/hl7v2';

const fixtureDir = path.resolve(__dirname, '../fixtures/external/hl7v2');
const fixture = (name: string): string => fs.readFileSync(path.join(fixtureDir, name), 'utf8');
const segmentsOf = (text: string): string[] => text.split('\r');

describe('acknowledgments', () => {
  it('accepts a message with AA, MSA-2 its control id (MSH-10), sender and receiver swapped, the trigger mirrored', () => {
    const ack = Hl7Message.parse(buildAck(fixture('REF-I12-01.hl7'), 'AA'));
    const msh = ack.getSegment('MSH');
    // The original: MSH-3 GHH, MSH-4 GHHSFacility^..., MSH-5 RHH, MSH-6 RHHFacility^..., MSH-10 MSG00112, MSH-12 2.8.
    expect(msh?.getField(3)?.toString()).toBe('RHH');
    expect(msh?.getField(5)?.toString()).toBe('GHH');
    expect(msh?.getField(9)?.toString()).toBe('ACK^I12^ACK');
    expect(msh?.getField(11)?.toString()).toBe('P');
    expect(msh?.getField(12)?.toString()).toBe('2.8');
    expect(msh?.getField(7)?.toString()).toMatch(/^\d{14}(\.\d+)?\+0000$/);
    expect(ack.getSegment('MSA')?.getField(1)?.toString()).toBe('AA');
    expect(ack.getSegment('MSA')?.getField(2)?.toString()).toBe('MSG00112');
    expect(ack.getSegment('ERR')).toBeUndefined();
  });

  it('gives every ACK a control id of its own', () => {
    const ids = Array.from({ length: 50 }, () => Hl7Message.parse(buildAck(fixture('ADT-A01-01.hl7'), 'AA')).getSegment('MSH')?.getField(10)?.toString());
    expect(new Set(ids).size).toBe(50);
  });

  it('carries the reason of an AE in ERR-8, with HL7 delimiters escaped, and error code 207 in ERR-3', () => {
    const text = buildAck(fixture('ADT-A01-01.hl7'), 'AE', 'ADT^A01: PV1-19 (visit number) is empty');
    const ack = Hl7Message.parse(text);
    expect(ack.getSegment('MSA')?.getField(1)?.toString()).toBe('AE');
    expect(ack.getSegment('MSA')?.getField(2)?.toString()).toBe('MSG00001');
    expect(segmentsOf(text)[2]).toBe('ERR|||207^Application internal error^HL70357|E||||ADT\\S\\A01: PV1-19 (visit number) is empty');
  });

  it('puts the reason in MSA-3 and the code in ERR-1 for a v2.3 sender, whose ERR has no text field', () => {
    const v23 = fixture('REF-I12-01.hl7').replace('|P|2.8|', '|P|2.3|');
    const [, msa, err] = segmentsOf(buildAck(v23, 'AR', 'RF1-6 is empty'));
    expect(msa).toBe('MSA|AR|MSG00112|RF1-6 is empty');
    expect(err).toBe('ERR|^^^207&Application internal error&HL70357');
  });

  it('still answers input that is not a message: standard delimiters, an empty MSA-2', () => {
    for (const garbage of ['', 'hello', '\u0000\u0001\u0002', 'MSHX^~\\&X']) {
      const ack = Hl7Message.parse(buildAck(garbage, 'AR', 'not an HL7 message'));
      expect(ack.getSegment('MSA')?.getField(1)?.toString()).toBe('AR');
      expect(ack.getSegment('MSA')?.getField(2)?.toString()).toBe('');
      expect(ack.getSegment('ERR')?.getField(8)?.toString()).toBe('not an HL7 message');
    }
  });

  it('answers an MLLP-framed message as it would the bare one', () => {
    const ack = Hl7Message.parse(buildAck(`\u000b${fixture('ADT-A11-01.hl7')}\u001c\r`, 'AA'));
    expect(ack.getSegment('MSA')?.getField(2)?.toString()).toBe('MSG00001');
  });
});

describe('files holding one or many messages', () => {
  const i12 = fixture('REF-I12-01.hl7');
  const a01 = fixture('ADT-A01-01.hl7');
  const asSent = (text: string) => text.split(/\r\n|\r|\n/).filter((line) => line !== '').join('\r');

  it('reads one message as one input, its segments joined by CR', () => {
    expect(splitHl7Batch(i12)).toEqual([{ text: asSent(i12), position: '#1' }]);
  });

  it('splits messages at each MSH, whatever separates segments, and skips FHS/BHS/BTS/FTS', () => {
    const batch = ['FHS|^~\\&|GHH', 'BHS|^~\\&|GHH', i12.replace(/\n/g, '\r\n'), a01, 'BTS|2', 'FTS|1'].join('\n');
    expect(splitHl7Batch(batch)).toEqual([
      { text: asSent(i12), position: '#1' },
      { text: asSent(a01), position: '#2' },
    ]);
  });

  it('reads messages written one after another inside MLLP framing', () => {
    const framed = `\u000b${i12}\u001c\r\u000b${a01}\u001c\r`;
    expect(splitHl7Batch(framed).map((input) => input.text)).toEqual([asSent(i12), asSent(a01)]);
  });

  it('keeps text before the first MSH as an input of its own, so that it is refused rather than lost', () => {
    expect(splitHl7Batch(`garbage line\r${i12}`).map((input) => input.text.slice(0, 12))).toEqual(['garbage line', 'MSH|^~\\&|GHH']);
  });

  it('reads a folder: .hl7, .txt and .msg files in name order, with file name and message number as the position', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hl7v2-folder-'));
    try {
      fs.writeFileSync(path.join(folder, 'b-10.hl7'), a01);
      fs.writeFileSync(path.join(folder, 'b-9.txt'), `${i12}\n${a01}`);
      fs.writeFileSync(path.join(folder, 'a.msg'), i12);
      fs.writeFileSync(path.join(folder, 'notes.md'), 'not a message');
      fs.mkdirSync(path.join(folder, 'nested.hl7'));
      const inputs: Array<{ position: string; type: string }> = [];
      for await (const input of readHl7Path(folder)) {
        inputs.push({ position: input.position, type: input.text.split('|')[8] ?? '' });
      }
      expect(inputs).toEqual([
        { position: 'a.msg#1', type: 'REF^I12^REF_I12' },
        { position: 'b-9.txt#1', type: 'REF^I12^REF_I12' },
        { position: 'b-9.txt#2', type: 'ADT^A01^ADT_A01' },
        { position: 'b-10.hl7#1', type: 'ADT^A01^ADT_A01' },
      ]);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reads one file, and a Latin-1 file as Latin-1', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'hl7v2-file-'));
    try {
      const file = path.join(folder, 'latin1.dat');
      fs.writeFileSync(file, Buffer.from(i12.replace('GOOD HEALTH HOSPITAL', 'HÔPITAL GÉNÉRAL'), 'latin1'));
      const inputs = [];
      for await (const input of readHl7Path(file)) inputs.push(input);
      expect(inputs.map((input) => input.position)).toEqual(['latin1.dat#1']);
      expect(inputs[0]?.text).toContain('HÔPITAL GÉNÉRAL');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
