import '@testing-library/jest-dom';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { NhiClaim } from '@backstage-nhi/plugin-nhi-common';
import { claim, mockNhiApi } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { ClaimDialog } from './ClaimDialog';

const ENTITY_REF = 'nonhumanidentity:default/legacy-exporter';
const GROUPS = ['group:default/data', 'group:default/platform'];

function renderDialog(
  props: Partial<Parameters<typeof ClaimDialog>[0]> = {},
  nhiApi = mockNhiApi(),
) {
  const onClose = jest.fn();
  return renderNhi(
    <ClaimDialog
      entityRef={ENTITY_REF}
      title="legacy-exporter"
      groups={GROUPS}
      onClose={onClose}
      {...props}
    />,
    { nhiApi },
  ).then(r => ({ ...r, onClose }));
}

const justification = () => screen.getByLabelText('justification');
const send = () => screen.getByRole('button', { name: 'Send claim' });

describe('ClaimDialog', () => {
  it('offers the user’s teams, the first one chosen', async () => {
    await renderDialog();
    const dialog = screen.getByRole('dialog', {
      name: 'Claim legacy-exporter',
    });
    const team = within(dialog).getByRole('radiogroup', { name: 'team' });
    const radios = within(team).getAllByRole('radio');
    expect(radios).toHaveLength(2);
    expect(within(team).getByLabelText('data')).toBeChecked();
    expect(within(team).getByLabelText('platform')).not.toBeChecked();
    // Keyboard users land inside the dialog: Tab reaches the chosen team.
    await userEvent.tab();
    expect(within(team).getByLabelText('data')).toHaveFocus();
  });

  it('requires a justification of at least 10 characters before sending', async () => {
    const { nhiApi } = await renderDialog();
    expect(send()).toBeDisabled();
    await userEvent.type(justification(), '   short  ');
    expect(send()).toBeDisabled();
    await userEvent.type(justification(), 'er text');
    expect(send()).toBeEnabled();
    await userEvent.clear(justification());
    expect(send()).toBeDisabled();
    expect(nhiApi.createClaim).not.toHaveBeenCalled();
  });

  it('sends the claim for the chosen team with the trimmed justification', async () => {
    const { nhiApi, alertApi, onClose } = await renderDialog();
    await userEvent.click(screen.getByLabelText('platform'));
    await userEvent.type(
      justification(),
      '  Our billing worker reads invoices with it  ',
    );
    await userEvent.click(send());

    expect(nhiApi.createClaim).toHaveBeenCalledTimes(1);
    expect(nhiApi.createClaim).toHaveBeenCalledWith({
      entityRef: ENTITY_REF,
      group: 'group:default/platform',
      justification: 'Our billing worker reads invoices with it',
    });
    await waitFor(() => expect(onClose).toHaveBeenCalledWith(true));
    expect(alertApi.post).toHaveBeenCalledWith({
      message: 'Claim for group:default/platform sent; reviewers are notified.',
      severity: 'success',
      display: 'transient',
    });
  });

  it('says a transfer was requested when the identity has an owner', async () => {
    const nhiApi = mockNhiApi({
      createClaim: jest.fn(async req =>
        claim({ ...req, kind: 'transfer', id: 'claim-9' }),
      ),
    });
    const { alertApi } = await renderDialog(
      { currentOwner: 'group:default/payments' },
      nhiApi,
    );
    expect(screen.getByRole('dialog')).toHaveTextContent(
      'It is owned by payments today: a lead of that team consents to the transfer to your team, or a security reviewer decides; both teams are told.',
    );
    await userEvent.type(justification(), 'We took over the service');
    await userEvent.click(send());
    await waitFor(() =>
      expect(alertApi.post).toHaveBeenCalledWith(
        expect.objectContaining({
          message:
            'Transfer to group:default/data requested; reviewers are notified.',
        }),
      ),
    );
  });

  it('shows the API error and keeps what the user typed', async () => {
    const nhiApi = mockNhiApi({
      createClaim: jest.fn(async () => {
        throw new Error('An open claim for this identity already exists');
      }),
    });
    const { onClose } = await renderDialog({}, nhiApi);
    await userEvent.click(screen.getByLabelText('platform'));
    await userEvent.type(justification(), 'We run the exporter');
    await userEvent.click(send());

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'An open claim for this identity already exists',
    );
    expect(onClose).not.toHaveBeenCalled();
    expect(justification()).toHaveValue('We run the exporter');
    expect(screen.getByLabelText('platform')).toBeChecked();
    // The user can try again.
    expect(send()).toBeEnabled();
  });

  it('sends only once while a claim is on its way', async () => {
    let resolve: (c: NhiClaim) => void = () => {};
    const nhiApi = mockNhiApi({
      createClaim: jest.fn(
        () =>
          new Promise<NhiClaim>(r => {
            resolve = r;
          }),
      ),
    });
    const { onClose } = await renderDialog({}, nhiApi);
    await userEvent.type(justification(), 'We run the exporter');
    await userEvent.click(send());
    expect(send()).toBeDisabled();
    // Submitting the form again (e.g. with the keyboard) does nothing.
    fireEvent.submit(send().closest('form')!);
    expect(nhiApi.createClaim).toHaveBeenCalledTimes(1);
    resolve(claim());
    await waitFor(() => expect(onClose).toHaveBeenCalledWith(true));
  });

  it('closes with Escape or Cancel without sending', async () => {
    const { nhiApi, onClose } = await renderDialog();
    await userEvent.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledWith(false);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalledTimes(2);
    expect(nhiApi.createClaim).not.toHaveBeenCalled();
  });
});
