import { useState } from 'react';
import { Alert, Box, Button, ButtonRow, Flex, Heading, Input, NumberInput, Select, Text, Toggle } from '@hubspot/ui-extensions';
import { toApiError, type Api, type PilotLine } from '@referralynx/hubspot-shared';
import { BUSINESS_LINE_OPTIONS, METRICS, emptyPilotForm, pilotForm, serverFieldErrors, validatePilot, type FieldErrors, type PilotFormValues } from './pilotDraft';

interface PilotFormProps {
  companyId: string;
  api: Api;
  /** The pilot to change; a new one is started without it. */
  editing?: PilotLine;
  onSaved: (pilot: PilotLine) => void;
  onCancel: () => void;
}

/** Start (or change) a pilot with this source: its period, scope and standards, checked before and after sending. */
export function PilotForm({ companyId, api, editing, onSaved, onCancel }: PilotFormProps) {
  const [values, setValues] = useState<PilotFormValues>(() => (editing ? pilotForm(editing) : emptyPilotForm()));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saving, setSaving] = useState(false);
  const set = (change: Partial<PilotFormValues>) => setValues((v) => ({ ...v, ...change }));
  const setStandard = (metric: keyof PilotFormValues['standards'], change: Partial<PilotFormValues['standards'][typeof metric]>) =>
    setValues((v) => ({ ...v, standards: { ...v.standards, [metric]: { ...v.standards[metric], ...change } } }));

  const save = async () => {
    const checked = validatePilot(values);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setSaving(true);
    try {
      const { pilot } = editing ? await api.updatePilot(companyId, editing.pilotId, checked.draft) : await api.startPilot(companyId, checked.draft);
      onSaved(pilot);
    } catch (error) {
      const failure = toApiError(error);
      setErrors(failure.errors.length > 0 ? serverFieldErrors(failure.errors, checked.draft) : { form: failure.message });
    } finally {
      setSaving(false);
    }
  };

  const field = (name: keyof FieldErrors) => (errors[name] ? { error: true, validationMessage: errors[name] } : {});
  return (
    <Flex direction="column" gap="sm">
      <Heading>{editing ? `Change pilot "${editing.name}"` : 'Start a pilot'}</Heading>
      {errors.form ? <Alert title="The pilot was not saved" variant="error">{errors.form}</Alert> : null}
      <Input label="Name" name="name" required value={values.name} onChange={(name) => set({ name })} {...field('name')} />
      <Flex direction="row" gap="sm">
        <Input label="First day" name="periodStart" placeholder="YYYY-MM-DD" required value={values.periodStart} onChange={(periodStart) => set({ periodStart })} {...field('periodStart')} />
        <Input label="Last day" name="periodEnd" placeholder="YYYY-MM-DD" required value={values.periodEnd} onChange={(periodEnd) => set({ periodEnd })} {...field('periodEnd')} />
      </Flex>
      <Select label="Business line" name="businessLine" options={BUSINESS_LINE_OPTIONS} value={values.businessLine} onChange={(businessLine) => set({ businessLine: String(businessLine) })} {...field('businessLine')} />
      <Input
        label="Service-area ZIP codes"
        name="serviceZips"
        description="Optional: 5-digit ZIPs, separated by commas. They stay on the Referralynx server."
        value={values.serviceZips}
        onChange={(serviceZips) => set({ serviceZips })}
        {...field('serviceZips')}
      />
      <Text format={{ fontWeight: 'bold' }}>Standards</Text>
      {errors.standards ? <Alert title="No standard chosen" variant="warning">{errors.standards}</Alert> : null}
      {METRICS.map(({ metric, label, withHours }) => {
        const standard = values.standards[metric];
        return (
          <Box key={metric}>
            <Toggle label={label} name={`${metric}.enabled`} checked={standard.enabled} onChange={(enabled) => setStandard(metric, { enabled })} />
            {standard.enabled ? (
              <Flex direction="row" gap="sm">
                <NumberInput
                  label="Target (%)"
                  name={`${metric}.target`}
                  min={1}
                  max={100}
                  value={standard.targetPercent}
                  onChange={(targetPercent) => setStandard(metric, { targetPercent })}
                  {...field(metric)}
                />
                {withHours ? <NumberInput label="Within hours" name={`${metric}.hours`} min={1} max={240} value={standard.hours} onChange={(hours) => setStandard(metric, { hours })} /> : null}
              </Flex>
            ) : null}
          </Box>
        );
      })}
      <ButtonRow>
        <Button variant="primary" disabled={saving} onClick={() => void save()}>
          {editing ? 'Save pilot' : 'Start pilot'}
        </Button>
        <Button variant="secondary" disabled={saving} onClick={() => onCancel()}>
          Cancel
        </Button>
      </ButtonRow>
    </Flex>
  );
}
