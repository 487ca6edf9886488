import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import {
  NHI_CATEGORIES,
  NHI_RISK_LEVELS,
  NHI_RULES,
  NHI_TEXT_LIMITS,
  NhiCampaign,
  NhiCampaignEndAction,
  NhiCampaignReviewerRule,
  NhiInventoryFilters,
} from '@backstage-nhi/plugin-nhi-common';
import {
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  Grid,
  IconButton,
  MenuItem,
  TextField,
  Typography,
} from '@material-ui/core';
import DeleteIcon from '@material-ui/icons/Delete';
import { ChangeEvent, useState } from 'react';
import { nhiCampaignsApiRef } from '../../api';
import { filterSetText } from './format';
import { FormDialog } from './FormDialog';

const DAY_MS = 24 * 60 * 60 * 1000;

/** YYYY-MM-DD, `days` from now. */
function dateIn(days: number, now = Date.now()) {
  return new Date(now + days * DAY_MS).toISOString().slice(0, 10);
}

const RECURRENCE = [
  { value: 0, label: 'Once' },
  { value: 1, label: 'Monthly' },
  { value: 3, label: 'Quarterly' },
  { value: 6, label: 'Every 6 months' },
  { value: 12, label: 'Yearly' },
];

function Select(props: {
  id: string;
  label: string;
  value: string;
  options: Array<{ value: string; label: string }>;
  onChange(value: string): void;
  any?: string;
}) {
  return (
    <TextField
      id={props.id}
      select
      fullWidth
      margin="dense"
      label={props.label}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      SelectProps={{ SelectDisplayProps: { 'aria-label': props.label } }}
    >
      {props.any !== undefined && <MenuItem value="">{props.any}</MenuItem>}
      {props.options.map(o => (
        <MenuItem key={o.value} value={o.value}>
          {o.label}
        </MenuItem>
      ))}
    </TextField>
  );
}

/** The scope's filters chosen from a list. */
const SCOPE_SELECTS: Array<{
  key: 'category' | 'level' | 'rule';
  label: string;
  any: string;
  sm: 4 | 8;
  options: Array<{ value: string; label: string }>;
}> = [
  {
    key: 'category',
    label: 'Category',
    any: 'any category',
    sm: 4,
    options: NHI_CATEGORIES.map(c => ({ value: c.id, label: c.label })),
  },
  {
    key: 'level',
    label: 'Risk level',
    any: 'any level',
    sm: 4,
    options: NHI_RISK_LEVELS.map(l => ({ value: l, label: l })),
  },
  {
    key: 'rule',
    label: 'Rule',
    any: 'any rule',
    sm: 8,
    options: NHI_RULES.map(r => ({
      value: r.id,
      label: `${r.title} (${r.id})`,
    })),
  },
];

const daysOk = (v: string) => /^\d{1,3}$/.test(v);

/** A whole number of days. */
function DaysField(props: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  helperText?: string;
}) {
  return (
    <TextField
      id={props.id}
      label={props.label}
      fullWidth
      margin="dense"
      value={props.value}
      onChange={e => props.onChange(e.target.value.trim())}
      error={!daysOk(props.value)}
      helperText={daysOk(props.value) ? props.helperText : 'Days, 0 to 999'}
      inputProps={{ inputMode: 'numeric' }}
    />
  );
}

/** One filter set of the scope: the inventory's filters. */
function FilterSet(props: {
  index: number;
  value: NhiInventoryFilters;
  onChange(value: NhiInventoryFilters): void;
  onRemove?: () => void;
}) {
  const { value, onChange, index } = props;
  const set = (key: keyof NhiInventoryFilters, v: string | boolean) =>
    onChange({ ...value, [key]: v === '' || v === false ? undefined : v });
  const field = (
    key: 'provider' | 'owner',
    label: string,
    placeholder: string,
  ) => ({
    fullWidth: true,
    margin: 'dense' as const,
    label,
    placeholder,
    value: value[key] ?? '',
    onChange: (e: ChangeEvent<HTMLInputElement>) =>
      set(key, e.target.value.trim()),
  });
  return (
    <Box
      component="fieldset"
      border={1}
      borderColor="divider"
      borderRadius={4}
      p={1}
      mb={1}
      aria-label={`filter set ${index + 1}`}
    >
      <Box display="flex" alignItems="center">
        <Typography variant="subtitle2" style={{ flexGrow: 1 }}>
          {index ? 'or ' : ''}identities matching: {filterSetText(value)}
        </Typography>
        {props.onRemove && (
          <IconButton
            size="small"
            aria-label={`remove filter set ${index + 1}`}
            onClick={props.onRemove}
          >
            <DeleteIcon fontSize="small" />
          </IconButton>
        )}
      </Box>
      <Grid container spacing={1}>
        <Grid item xs={6} sm={4}>
          <TextField
            id={`nhi-scope-${index}-provider`}
            {...field('provider', 'Provider', 'aws')}
          />
        </Grid>
        {SCOPE_SELECTS.map(f => (
          <Grid item xs={f.sm === 8 ? 12 : 6} sm={f.sm} key={f.key}>
            <Select
              id={`nhi-scope-${index}-${f.key}`}
              label={f.label}
              any={f.any}
              value={value[f.key] ?? ''}
              options={f.options}
              onChange={v => set(f.key, v)}
            />
          </Grid>
        ))}
        <Grid item xs={6} sm={4}>
          <TextField
            id={`nhi-scope-${index}-owner`}
            {...field('owner', 'Owner', 'team-a, or unowned')}
          />
        </Grid>
        <Grid item xs={12}>
          <FormControlLabel
            control={
              <Checkbox
                checked={!!value.dormant}
                onChange={e => set('dormant', e.target.checked)}
                color="primary"
              />
            }
            label="Only dormant identities"
          />
        </Grid>
      </Grid>
    </Box>
  );
}

/**
 * Starts an access-review campaign: a name, a scope of one or more sets of
 * the inventory's filters, who reviews, the due date, reminders, what
 * happens to undecided items at the end, and whether it recurs. The backend
 * freezes the scope when it starts; its answer (e.g. an empty scope) shows
 * in the dialog, which keeps what was typed.
 */
export function NewCampaignDialog(props: {
  /** The filters to start from (e.g. the inventory's current ones). */
  initialScope?: NhiInventoryFilters;
  onClose(created?: NhiCampaign): void;
}) {
  const campaignsApi = useApi(nhiCampaignsApiRef);
  const alertApi = useApi(alertApiRef);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [scope, setScope] = useState<NhiInventoryFilters[]>([
    { ...props.initialScope, q: undefined },
  ]);
  const [reviewerRule, setReviewerRule] =
    useState<NhiCampaignReviewerRule>('leads');
  const [due, setDue] = useState(dateIn(30));
  const [reminderEveryDays, setReminder] = useState('7');
  const [dueSoonDays, setDueSoon] = useState('3');
  const [endAction, setEndAction] =
    useState<NhiCampaignEndAction>('not-reviewed');
  const [recurrence, setRecurrence] = useState('3');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const nameOk =
    name.trim().length >= NHI_TEXT_LIMITS.campaignName.min &&
    name.trim().length <= NHI_TEXT_LIMITS.campaignName.max;
  const dueOk = /^\d{4}-\d{2}-\d{2}$/.test(due) && due > dateIn(0);
  const ready =
    nameOk && dueOk && daysOk(reminderEveryDays) && daysOk(dueSoonDays);

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const created = await campaignsApi.createCampaign({
        name: name.trim(),
        description: description.trim() || undefined,
        scope,
        reviewerRule,
        // the end of the chosen day in UTC: "due on the 30th" includes the 30th
        dueAt: `${due}T23:59:59.000Z`,
        reminderEveryDays: Number(reminderEveryDays),
        dueSoonDays: Number(dueSoonDays),
        endAction,
        recurrenceMonths: Number(recurrence) || undefined,
      });
      alertApi.post({
        message: `Campaign "${
          created.name
        }" started: ${created.counts.total.toLocaleString()} identities to review; reviewers are notified.`,
        severity: 'success',
        display: 'transient',
      });
      props.onClose(created);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormDialog
      id="nhi-new-campaign-title"
      title="New campaign"
      submitLabel="Start campaign"
      ready={ready && !busy}
      error={error}
      maxWidth="md"
      onCancel={() => props.onClose()}
      onSubmit={submit}
    >
      <TextField
        id="nhi-campaign-name"
        label="Name"
        placeholder="e.g. Quarterly review of AWS admin identities"
        fullWidth
        required
        margin="dense"
        value={name}
        onChange={e => setName(e.target.value)}
        helperText={`At least ${NHI_TEXT_LIMITS.campaignName.min} characters.`}
      />
      <TextField
        id="nhi-campaign-description"
        label="What it is for"
        fullWidth
        multiline
        margin="dense"
        value={description}
        onChange={e => setDescription(e.target.value)}
      />
      <Typography variant="subtitle1" style={{ marginTop: 16 }}>
        Scope
      </Typography>
      <Typography variant="body2" color="textSecondary" paragraph>
        The inventory's filters. An identity matching any set is reviewed; the
        scope is frozen when the campaign starts.
      </Typography>
      {scope.map((set, i) => (
        <FilterSet
          key={i}
          index={i}
          value={set}
          onChange={v => setScope(scope.map((s, j) => (j === i ? v : s)))}
          onRemove={
            scope.length > 1
              ? () => setScope(scope.filter((_, j) => j !== i))
              : undefined
          }
        />
      ))}
      {scope.length < 10 && (
        <Button size="small" onClick={() => setScope([...scope, {}])}>
          Add a filter set
        </Button>
      )}
      <Grid container spacing={2} style={{ marginTop: 8 }}>
        <Grid item xs={12} sm={6}>
          <Select
            id="nhi-campaign-reviewers"
            label="Reviewers"
            value={reviewerRule}
            options={[
              { value: 'leads', label: "The owner team's leads" },
              {
                value: 'members',
                label: "All of the owner team's members",
              },
            ]}
            onChange={v => setReviewerRule(v as NhiCampaignReviewerRule)}
          />
          <Typography variant="caption" color="textSecondary">
            Unowned identities, and overdue items after escalation, go to the
            fallback group the backend is configured with
            (nhi.campaigns.fallbackGroup, security by default).
          </Typography>
        </Grid>
        <Grid item xs={12} sm={6}>
          <TextField
            id="nhi-campaign-due"
            label="Due date"
            type="date"
            fullWidth
            required
            margin="dense"
            value={due}
            onChange={e => setDue(e.target.value)}
            InputLabelProps={{ shrink: true }}
            error={!dueOk}
            helperText={dueOk ? undefined : 'A day after today'}
          />
        </Grid>
        <Grid item xs={6} sm={3}>
          <DaysField
            id="nhi-campaign-reminder"
            label="Remind every (days)"
            value={reminderEveryDays}
            onChange={setReminder}
            helperText="0: no reminders"
          />
        </Grid>
        <Grid item xs={6} sm={3}>
          <DaysField
            id="nhi-campaign-due-soon"
            label="Remind days before due"
            value={dueSoonDays}
            onChange={setDueSoon}
          />
        </Grid>
        <Grid item xs={12} sm={6}>
          <Select
            id="nhi-campaign-end-action"
            label="Undecided items at the end"
            value={endAction}
            options={[
              { value: 'not-reviewed', label: 'Leave as not reviewed' },
              { value: 'revoke', label: 'Mark for revocation' },
            ]}
            onChange={v => setEndAction(v as NhiCampaignEndAction)}
          />
        </Grid>
        <Grid item xs={12} sm={6}>
          <Select
            id="nhi-campaign-recurrence"
            label="Recurrence"
            value={recurrence}
            options={RECURRENCE.map(r => ({
              value: String(r.value),
              label: r.label,
            }))}
            onChange={setRecurrence}
          />
        </Grid>
      </Grid>
    </FormDialog>
  );
}
