import { DateTime } from 'luxon';
import PDFDocument from 'pdfkit';
import { formatCents, type CommissionLineKind } from '../domain/commissions';
import type { NamedCommissionLine } from '../store/commissionStore';
import { dollars } from './commissions';
import { winAnsi, type PdfOptions } from './partnerSummaryPdf';

/**
 * A payee's commission statement for a month (issue #8, part 4), as JSON, CSV or PDF. Every line says what it is for
 * in the engine's words ("Admission of 2026-10-04 from Mercy General: home health $100.00, … = $125.00") and names
 * its referral by date, source and business line: nothing of the patient (DESIGN.md, minimum necessary).
 */

export interface StatementLine {
  lineId: string;
  kind: CommissionLineKind;
  /** The counting date, or the date of the clawback's trigger. */
  date: string;
  referral: string;
  planId: string;
  planVersion: number;
  amountCents: number;
  explanation: string;
}

export interface PayeeStatement {
  ownerId: string;
  name: string;
  earnedCents: number;
  clawbackCents: number;
  correctionCents: number;
  totalCents: number;
  lines: StatementLine[];
}

export interface CommissionStatement {
  /** YYYY-MM. */
  period: string;
  /** Closed: the lines as issued, final. Open: as last computed, and may still change. */
  closed: boolean;
  payees: PayeeStatement[];
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The period's lines per payee (by owner id), each payee's lines by date; `names` gives owners' names where known. */
export function toStatement(period: string, closed: boolean, lines: readonly NamedCommissionLine[], names: ReadonlyMap<string, string>): CommissionStatement {
  const byPayee = new Map<string, NamedCommissionLine[]>();
  for (const line of lines) byPayee.set(line.payeeOwnerId, [...(byPayee.get(line.payeeOwnerId) ?? []), line]);
  const payees = [...byPayee.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([ownerId, own]) => {
      const sum = (kind: CommissionLineKind) => own.filter((l) => l.kind === kind).reduce((total, l) => total + l.amountCents, 0);
      return {
        ownerId,
        name: names.get(ownerId) ?? `Owner ${ownerId}`,
        earnedCents: sum('earned'),
        clawbackCents: sum('clawback'),
        correctionCents: sum('correction'),
        totalCents: own.reduce((total, l) => total + l.amountCents, 0),
        lines: [...own]
          .sort((a, b) => byText(a.date, b.date) || byText(a.id, b.id))
          .map((l) => ({
            lineId: l.id,
            kind: l.kind,
            date: l.date,
            referral: l.referralName,
            planId: l.planId,
            planVersion: l.planVersion,
            amountCents: l.amountCents,
            explanation: l.explanation,
          })),
      };
    });
  return { period, closed, payees };
}

export function statementJson(statement: CommissionStatement): string {
  return `${JSON.stringify(
    {
      ...statement,
      payees: statement.payees.map((p) => ({
        ...p,
        earned: dollars(p.earnedCents),
        clawbacks: dollars(p.clawbackCents),
        corrections: dollars(p.correctionCents),
        total: dollars(p.totalCents),
        lines: p.lines.map((l) => ({ ...l, amount: dollars(l.amountCents) })),
      })),
    },
    null,
    2,
  )}\n`;
}

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
const csvField = (value: string | number) => {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export const STATEMENT_CSV_HEADER = ['period', 'payee_owner_id', 'payee', 'line_id', 'kind', 'date', 'referral', 'plan_id', 'plan_version', 'amount', 'explanation'];

/** One row per line, with a header; amounts in dollars with 2 decimals. */
export function statementCsv(statement: CommissionStatement): string {
  const rows = statement.payees.flatMap((p) =>
    p.lines.map((l) => [statement.period, p.ownerId, p.name, l.lineId, l.kind, l.date, l.referral, l.planId, l.planVersion, dollars(l.amountCents), l.explanation]),
  );
  return [STATEMENT_CSV_HEADER, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------------------------------------------------------
// PDF: one page per payee (US Letter), in the partner summary's house style.

const PAGE = { width: 612, height: 792, margin: 54 };
const INK = '#1f2933';
const MUTED = '#616e7c';
const BARS: Record<'earned' | 'clawback' | 'correction', string> = { earned: '#243b53', clawback: '#c65d52', correction: '#9fb3c8' };
/** Rows of lines a page has room for under the totals and the chart; the rest are counted, and the CSV has them all. */
const LINES_PER_PAGE = 12;

export interface StatementPdfInput {
  statement: CommissionStatement;
  agencyName?: string;
  preparedAt: Date;
  timeZone: string;
}

function drawBars(doc: PDFKit.PDFDocument, payee: PayeeStatement, top: number): void {
  const bars = [
    { label: 'Earned', cents: payee.earnedCents, color: BARS.earned },
    { label: 'Clawbacks', cents: payee.clawbackCents, color: BARS.clawback },
    { label: 'Corrections', cents: payee.correctionCents, color: BARS.correction },
  ];
  const left = PAGE.margin + 80;
  const width = 260;
  const max = Math.max(1, ...bars.map((b) => Math.abs(b.cents)));
  bars.forEach((bar, i) => {
    const y = top + i * 18;
    doc.font('Helvetica').fontSize(9).fillColor(MUTED).text(bar.label, PAGE.margin, y + 2, { width: 76, lineBreak: false });
    const length = (Math.abs(bar.cents) / max) * width;
    if (length > 0) doc.rect(left, y, Math.max(1, length), 12).fill(bar.color);
    doc.fillColor(INK).text(formatCents(bar.cents), left + length + 6, y + 2, { width: 120, lineBreak: false });
  });
}

function drawPayee(doc: PDFKit.PDFDocument, input: StatementPdfInput, payee: PayeeStatement | undefined): void {
  const { statement } = input;
  const width = PAGE.width - 2 * PAGE.margin;
  const oneLine = (size: number, boxWidth = width) => ({ width: boxWidth, height: size * 1.3, ellipsis: true });
  const month = DateTime.fromISO(`${statement.period}-01`, { zone: 'utc' }).toFormat('LLLL yyyy');
  let y = PAGE.margin;
  if (input.agencyName) {
    doc.font('Helvetica').fontSize(10).fillColor(MUTED).text(winAnsi(input.agencyName.toUpperCase()), PAGE.margin, y, { ...oneLine(10), characterSpacing: 0.5 });
  }
  y += 18;
  doc.font('Helvetica-Bold').fontSize(22).fillColor(INK).text(winAnsi(payee ? payee.name : 'No commission lines'), PAGE.margin, y, oneLine(22));
  y += 30;
  const state = statement.closed ? 'closed: final' : 'open: as computed now, may still change';
  doc.font('Helvetica').fontSize(12).fillColor(INK).text(winAnsi(`Commission statement for ${month} (${state})`), PAGE.margin, y, oneLine(12));
  y += 26;
  doc.moveTo(PAGE.margin, y).lineTo(PAGE.width - PAGE.margin, y).lineWidth(0.75).strokeColor('#bcccdc').stroke();
  y += 14;
  if (!payee) {
    doc.font('Helvetica').fontSize(11).fillColor(MUTED).text('Nothing was earned, clawed back or corrected in this period.', PAGE.margin, y, oneLine(11));
    return;
  }
  doc.font('Helvetica-Bold').fontSize(16).fillColor(INK).text(`Total ${formatCents(payee.totalCents)}`, PAGE.margin, y, oneLine(16));
  doc.font('Helvetica').fontSize(10).fillColor(MUTED).text(`Owner ${payee.ownerId} · ${payee.lines.length} line${payee.lines.length === 1 ? '' : 's'}`, PAGE.margin + 260, y + 4, oneLine(10, width - 260));
  y += 28;
  drawBars(doc, payee, y);
  y += 66;

  doc.font('Helvetica-Bold').fontSize(9).fillColor(MUTED);
  doc.text('DATE', PAGE.margin, y, { width: 62, lineBreak: false });
  doc.text('REFERRAL', PAGE.margin + 66, y, { width: 300, lineBreak: false });
  doc.text('AMOUNT', PAGE.margin + width - 80, y, { width: 80, align: 'right', lineBreak: false });
  y += 14;
  const shown = payee.lines.slice(0, LINES_PER_PAGE);
  for (const line of shown) {
    doc.font('Helvetica').fontSize(9.5).fillColor(INK).text(line.date, PAGE.margin, y, { width: 62, lineBreak: false });
    doc.text(winAnsi(line.referral), PAGE.margin + 66, y, oneLine(9.5, width - 66 - 90));
    doc.font('Helvetica-Bold').text(formatCents(line.amountCents), PAGE.margin + width - 80, y, { width: 80, align: 'right', lineBreak: false });
    doc.font('Helvetica').fontSize(7.5).fillColor(MUTED).text(winAnsi(line.explanation), PAGE.margin + 66, y + 12, { width: width - 66, height: 20, ellipsis: true });
    y += 36;
  }
  const more = payee.lines.length - shown.length;
  if (more > 0) {
    doc.font('Helvetica').fontSize(9).fillColor(MUTED).text(`…and ${more} more line${more === 1 ? '' : 's'}: the CSV statement lists them all.`, PAGE.margin, y, oneLine(9));
  }
  const prepared = DateTime.fromJSDate(input.preparedAt, { zone: input.timeZone }).toFormat('LLLL d, yyyy');
  const note =
    `Prepared ${prepared}. Referrals are named by date, source and business line: no patient information. Clawbacks fall in the month they ` +
    'became known; corrections settle what a closed month issued against what the facts now call for.';
  doc.font('Helvetica').fontSize(8).fillColor(MUTED).text(note, PAGE.margin, 712, { width, height: 30, ellipsis: true });
}

/** Renders the statement: one page per payee with totals, a small bar chart and the lines; resolves with the bytes. */
export function renderStatementPdf(input: StatementPdfInput, options: PdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'LETTER',
    autoFirstPage: false,
    margins: { top: PAGE.margin, bottom: 36, left: PAGE.margin, right: PAGE.margin },
    compress: options.compress ?? true,
    info: { Title: `Commission statement ${input.statement.period}`, CreationDate: input.preparedAt },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const payees = input.statement.payees.length > 0 ? input.statement.payees : [undefined];
  for (const payee of payees) {
    doc.addPage();
    drawPayee(doc, input, payee);
  }
  doc.end();
  return done;
}
