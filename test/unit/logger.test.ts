import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'info' }) };
}

describe('the logger', () => {
  it('never writes patient identifiers, at the top level or nested', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        mrn: 'MRN-0042',
        patient: { firstName: 'Adam', lastName: 'Everyman', dob: '1960-01-01' },
        referral: { id: 'R-17', dateOfBirth: '1960-01-01', memberId: 'W123456789', diagnosis: 'I50.9' },
        message: { pid: { name: 'EVERYMAN^ADAM' } },
        status: 'accepted',
      },
      'referral accepted',
    );
    const line = lines.join('');
    for (const secret of ['MRN-0042', 'Adam', 'Everyman', '1960-01-01', 'W123456789', 'I50.9', 'EVERYMAN']) {
      expect(line).not.toContain(secret);
    }
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(parsed).toMatchObject({ status: 'accepted', referral: { id: 'R-17', memberId: '[redacted]' }, mrn: '[redacted]' });
  });
});
