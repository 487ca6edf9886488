import '@testing-library/jest-dom';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { claim, mockNhiApi } from '../../__testUtils__/fixtures';
import { renderNhi } from '../../__testUtils__/render';
import { ClaimList } from './ClaimList';

// Shipping asks for an identity Payments owns.
const transfer = claim({
  id: 'claim-transfer',
  kind: 'transfer',
  fromGroup: 'group:default/payments',
  group: 'group:default/shipping',
  justification: 'Our tracker reads the bucket with it now',
});

describe('ClaimList', () => {
  it('says where a transfer takes the identity from', async () => {
    await renderNhi(
      <ClaimList
        claims={[{ ...transfer, review: { allowed: true } }]}
        onChange={jest.fn()}
      />,
    );
    const item = screen.getByRole('listitem');
    expect(item).toHaveTextContent('Transfer from payments to shipping · open');
    expect(within(item).getByRole('link', { name: 'payments' })).toBeVisible();
  });

  it('approves at once when the owner’s lead consents', async () => {
    const onChange = jest.fn();
    const { nhiApi } = await renderNhi(
      <ClaimList
        claims={[{ ...transfer, review: { allowed: true } }]}
        onChange={onChange}
      />,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
    expect(nhiApi.approveClaim).toHaveBeenCalledWith('claim-transfer');
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('asks a reviewer deciding without the owner’s consent for the reason', async () => {
    const onChange = jest.fn();
    const { nhiApi, alertApi } = await renderNhi(
      <ClaimList
        claims={[
          { ...transfer, review: { allowed: true, commentRequired: true } },
        ]}
        onChange={onChange}
      />,
    );
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
    expect(nhiApi.approveClaim).not.toHaveBeenCalled();
    const dialog = screen.getByRole('dialog', {
      name: 'Approve the transfer to group:default/shipping',
    });
    expect(dialog).toHaveTextContent(
      'group:default/payments has not consented: as a reviewer you decide in its place, and both teams read why.',
    );
    const submit = within(dialog).getByRole('button', { name: 'Approve' });
    expect(submit).toBeDisabled();
    await userEvent.type(
      within(dialog).getByLabelText(/Both teams read this/),
      'Payments left the tracker (INC-42)',
    );
    await userEvent.click(submit);
    expect(nhiApi.approveClaim).toHaveBeenCalledWith(
      'claim-transfer',
      'Payments left the tracker (INC-42)',
    );
    await waitFor(() => expect(onChange).toHaveBeenCalled());
    expect(alertApi.post).toHaveBeenCalledWith(
      expect.objectContaining({
        message: 'Approved: group:default/shipping owns it now.',
        severity: 'success',
      }),
    );
  });

  it('keeps the reason and shows the backend’s refusal', async () => {
    const nhiApi = mockNhiApi({
      approveClaim: jest.fn(async () => {
        throw new Error(
          'the owner of nonhumanidentity:default/legacy-exporter changed to none while the claim was reviewed; review it again',
        );
      }),
    });
    await renderNhi(
      <ClaimList
        claims={[
          { ...transfer, review: { allowed: true, commentRequired: true } },
        ]}
        onChange={jest.fn()}
      />,
      { nhiApi },
    );
    await userEvent.click(screen.getByRole('button', { name: 'Approve' }));
    const dialog = screen.getByRole('dialog');
    const reason = within(dialog).getByLabelText(/Both teams read this/);
    await userEvent.type(reason, 'Payments left the tracker');
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Approve' }),
    );
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(
      'changed to none while the claim was reviewed; review it again',
    );
    expect(reason).toHaveValue('Payments left the tracker');
  });

  it('shows why the receiving team’s lead cannot approve a transfer', async () => {
    await renderNhi(
      <ClaimList
        claims={[
          {
            ...transfer,
            review: {
              allowed: false,
              reason:
                'group:default/payments owns it: only a lead of group:default/payments (its owner today) or members of group:default/security (with a reason) decide this transfer',
            },
          },
        ]}
        onChange={jest.fn()}
      />,
    );
    const approve = screen.getByRole('button', { name: 'Approve' });
    expect(approve).toBeDisabled();
    await userEvent.hover(approve.parentElement!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent(
      'only a lead of group:default/payments (its owner today)',
    );
  });
});
