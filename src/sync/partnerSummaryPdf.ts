import { DateTime } from 'luxon';
import PDFDocument from 'pdfkit';
import { periodRange, periodTitle, type PartnerSummary, type PartnerSummaryNames } from '../domain/partnerSummary';
import { counted, hoursText } from '../domain/plainWords';

/**
 * The one-page PDF of a partner summary (US Letter): the agency and the source, the period, the figures, the reasons
 * not admitted, and a bar chart of referrals and starts of care per week or month. pdfkit's built-in Helvetica (one
 * of the PDF standard 14 fonts: no font file is read or embedded) writes WinAnsi text only, so any other character in
 * a name is shown as "?". Everything is placed at fixed positions inside the page, and long names are cut with an
 * ellipsis, so it never flows onto a second page.
 */

export interface PartnerSummaryPdfInput {
  summary: PartnerSummary;
  names: PartnerSummaryNames;
  /** When the summary was made, shown in the tenant's zone: its figures are as they stood then. */
  preparedAt: Date;
  timeZone: string;
}

export interface PdfOptions {
  /** Deflate the content streams (pdfkit's default); tests read them uncompressed. */
  compress?: boolean;
}

const PAGE = { width: 612, height: 792, margin: 54 };
const INK = '#1f2933';
const MUTED = '#616e7c';
const REFERRALS_BAR = '#9fb3c8';
const ADMITTED_BAR = '#243b53';

/** The characters Helvetica's WinAnsi encoding has; the rest would come out as wrong glyphs. */
export const winAnsi = (text: string) => text.replace(/[^\x20-\x7e\xa0-\xff\u2013\u2014\u2018\u2019\u201c\u201d\u2022\u2026\u20ac]/g, '?');

const percent = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value * 100)}%`);

/** The figures as label and value lines. */
function figureLines(summary: PartnerSummary): Array<[string, string]> {
  const { timely, notTimely, missing } = summary.timelyInitiation;
  const outcomes = summary.admitted + summary.nonAdmitted;
  const hours = summary.medianHoursToStartOfCare;
  const bySource = summary.cancelledBySource;
  return [
    ['Referrals received', String(summary.referrals)],
    ['Started care', String(summary.admitted)],
    ['Not admitted', String(summary.nonAdmitted)],
    ['Pending', String(summary.pending)],
    ['Cancelled', summary.cancelled === 0 || bySource === 0 ? String(summary.cancelled) : `${summary.cancelled} (${bySource} at your request)`],
    ['Conversion', summary.conversion === undefined ? '–' : `${percent(summary.conversion)} (${summary.admitted} of ${counted(outcomes, 'referral')} with an outcome)`],
    [
      'Referral to first visit (median)',
      hours === undefined ? '–' : `${hoursText(hours)}${hours >= 48 ? ` (${Math.round(hours)} hours)` : ''}, over ${counted(summary.hoursMeasured, 'start')} of care`,
    ],
    [
      'Timely initiation (CMS)',
      timely + notTimely === 0
        ? '–'
        : `${percent(summary.timelyInitiation.rate)} (${timely} of ${timely + notTimely}${missing > 0 ? `; ${missing} without the dates to tell` : ''})`,
    ],
  ];
}

/** A step of 1, 2 or 5 times a power of ten giving at most 5 gridlines up to `max`. */
function tickStep(max: number): number {
  for (let power = 1; ; power *= 10) {
    for (const step of [1, 2, 5]) if (max / (step * power) <= 5) return step * power;
  }
}

function drawChart(doc: PDFKit.PDFDocument, summary: PartnerSummary, top: number, height: number): void {
  const left = PAGE.margin + 28;
  const width = PAGE.width - PAGE.margin - left;
  const unit = summary.period.every === 'month' ? 'month' : 'week';
  doc.font('Helvetica-Bold').fontSize(12).fillColor(INK).text(`Referrals and starts of care by ${unit} received`, PAGE.margin, top, { lineBreak: false });
  // Legend.
  const legendY = top + 20;
  doc.rect(PAGE.margin, legendY, 9, 9).fill(REFERRALS_BAR);
  doc.font('Helvetica').fontSize(9).fillColor(MUTED).text('Referrals received', PAGE.margin + 14, legendY + 1, { lineBreak: false });
  doc.rect(PAGE.margin + 110, legendY, 9, 9).fill(ADMITTED_BAR);
  doc.fillColor(MUTED).text('Of them, started care', PAGE.margin + 124, legendY + 1, { lineBreak: false });

  const plotTop = legendY + 24;
  const plotBottom = top + height - 16;
  const plotHeight = plotBottom - plotTop;
  const max = Math.max(1, ...summary.series.map((s) => s.referrals));
  const step = tickStep(max);
  const axisMax = Math.ceil(max / step) * step;
  const y = (value: number) => plotBottom - (value / axisMax) * plotHeight;
  doc.lineWidth(0.5);
  for (let tick = 0; tick <= axisMax; tick += step) {
    doc.moveTo(left, y(tick)).lineTo(left + width, y(tick)).strokeColor(tick === 0 ? MUTED : '#d9e2ec').stroke();
    doc.fontSize(8).fillColor(MUTED).text(String(tick), PAGE.margin, y(tick) - 3, { width: 22, align: 'right', lineBreak: false });
  }
  const group = width / summary.series.length;
  const bar = Math.min(group * 0.32, 28);
  summary.series.forEach((point, index) => {
    const x = left + index * group + (group - 2 * bar) / 2;
    const bars: Array<[number, string, number]> = [
      [point.referrals, REFERRALS_BAR, x],
      [point.admitted, ADMITTED_BAR, x + bar],
    ];
    for (const [value, color, at] of bars) {
      if (value === 0) continue;
      doc.rect(at, y(value), bar - 1, plotBottom - y(value)).fill(color);
      doc.fontSize(7).fillColor(MUTED).text(String(value), at, y(value) - 9, { width: bar - 1, align: 'center', lineBreak: false });
    }
    const from = DateTime.fromISO(point.from, { zone: 'utc' });
    const label = unit === 'month' ? from.toFormat(from.month === 1 || index === 0 ? 'LLL yyyy' : 'LLL') : from.toFormat('LLL d');
    const current = index === summary.series.length - 1;
    doc.font(current ? 'Helvetica-Bold' : 'Helvetica').fontSize(8).fillColor(current ? INK : MUTED);
    doc.text(label, left + index * group, plotBottom + 4, { width: group, align: 'center', lineBreak: false });
  });
}

/** Renders the PDF; resolves with its bytes. */
export function renderPartnerSummaryPdf(input: PartnerSummaryPdfInput, options: PdfOptions = {}): Promise<Buffer> {
  const { summary, names } = input;
  const agency = winAnsi(names.agency ?? '');
  const source = winAnsi(names.source);
  const title = periodTitle(summary.period);
  const doc = new PDFDocument({
    size: 'LETTER',
    margins: { top: PAGE.margin, bottom: 36, left: PAGE.margin, right: PAGE.margin },
    compress: options.compress ?? true,
    info: {
      Title: winAnsi(`${names.source}: referral summary, ${title}`),
      ...(names.agency ? { Author: agency } : {}),
      // The moment it was made, not drawn: the same summary always gives the same document.
      CreationDate: input.preparedAt,
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = PAGE.width - 2 * PAGE.margin;
  // One line at most, cut with an ellipsis: pdfkit ignores the width of text drawn with lineBreak: false, so a box
  // one line high is what keeps a long name on its line (and off a second page).
  const oneLine = (size: number, boxWidth = width) => ({ width: boxWidth, height: size * 1.3, ellipsis: true });
  let y = PAGE.margin;
  if (agency) doc.font('Helvetica').fontSize(10).fillColor(MUTED).text(agency.toUpperCase(), PAGE.margin, y, { ...oneLine(10), characterSpacing: 0.5 });
  y += 18;
  doc.font('Helvetica-Bold').fontSize(22).fillColor(INK).text(source, PAGE.margin, y, oneLine(22));
  y += 30;
  const subtitle = `Referral summary for ${title} (${periodRange(summary.period)})`;
  doc.font('Helvetica').fontSize(12).fillColor(INK).text(winAnsi(subtitle), PAGE.margin, y, oneLine(12));
  y += 26;
  doc.moveTo(PAGE.margin, y).lineTo(PAGE.width - PAGE.margin, y).lineWidth(0.75).strokeColor('#bcccdc').stroke();
  y += 14;

  for (const [label, value] of figureLines(summary)) {
    doc.font('Helvetica').fontSize(11).fillColor(MUTED).text(label, PAGE.margin, y, { width: 200, lineBreak: false });
    doc.font('Helvetica-Bold').fontSize(11).fillColor(INK).text(value, PAGE.margin + 210, y, oneLine(11, width - 210));
    y += 18;
  }
  y += 6;
  if (summary.nonAdmitReasons.length > 0) {
    doc.font('Helvetica-Bold').fontSize(11).fillColor(INK).text('Why referrals were not admitted', PAGE.margin, y, oneLine(11));
    y += 17;
    // At most the four most frequent, so the page keeps its room for the chart; the rest are summed up.
    const shown = summary.nonAdmitReasons.slice(0, 4);
    const others = summary.nonAdmitReasons.slice(4).reduce((sum, r) => sum + r.count, 0);
    const lines = [...shown.map((r) => [r.words, r.count] as const), ...(others > 0 ? [['other reasons', others] as const] : [])];
    for (const [words, count] of lines) {
      doc.font('Helvetica').fontSize(10).fillColor(INK).text(`${words.charAt(0).toUpperCase()}${words.slice(1)}`, PAGE.margin + 12, y, oneLine(10, 300));
      doc.text(String(count), PAGE.margin + 320, y, { width: 40, align: 'right', lineBreak: false });
      y += 15;
    }
  }

  // The chart and the notes sit at fixed places in the lower half, whatever the figures above took.
  drawChart(doc, summary, 400, 260);
  const prepared = DateTime.fromJSDate(input.preparedAt, { zone: input.timeZone }).toFormat('LLLL d, yyyy');
  const notes = [
    `Counts only: no patient information. A referral counts in the ${summary.period.every} it was received, as it stood on ${prepared}.`,
    'Conversion: started care / (started care + not admitted); pending and cancelled referrals are left out.',
    "Timely initiation: CMS's home health measure (OASIS M0030, M0102, M0104, M1000, M1005), in calendar days; starts without the dates to tell are left out.",
  ];
  // A bounded box: text that would not fit is cut, never continued on a second page.
  doc.font('Helvetica').fontSize(8).fillColor(MUTED).text(notes.join(' '), PAGE.margin, 690, { width, height: 44, ellipsis: true });
  doc.end();
  return done;
}
