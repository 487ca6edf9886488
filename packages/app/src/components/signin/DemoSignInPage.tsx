import {
  Content,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
  SignInPage,
} from '@backstage/core-components';
import { SignInPageProps } from '@backstage/core-plugin-api';
import {
  Box,
  Button,
  Grid,
  List,
  ListItem,
  ListItemText,
  TextField,
  Typography,
} from '@material-ui/core';
import { useState } from 'react';

/** Where the chosen demo user is kept for the browser tab's session. */
export const DEMO_USER_KEY = 'nhi-demo-user';

/** The stored choice that means "the guest". */
const GUEST = '@guest';

/** The demo organisation's people worth acting as, by role. */
export const DEMO_USERS = [
  {
    name: 'priya.raman',
    title: 'Priya Raman',
    role: 'Developer, Shipping & Tracking',
  },
  {
    name: 'omar.farouk',
    title: 'Omar Farouk',
    role: 'Team lead, Shipping & Tracking',
  },
  {
    name: 'farah.haddad',
    title: 'Farah Haddad',
    role: 'Platform reviewer, Security Engineering',
  },
  {
    name: 'jade.thompson',
    title: 'Jade Thompson',
    role: 'Team lead, Payments',
  },
  { name: 'kwame.mensah', title: 'Kwame Mensah', role: 'Developer, Payments' },
  {
    name: 'amir.karimi',
    title: 'Amir Karimi',
    role: 'Team lead, AI Enablement',
  },
];

/**
 * Development only: act as any user of the demo organisation (a developer,
 * a team lead, a platform reviewer) through the backend's `demo` provider,
 * or as the guest. Production keeps real sign-in.
 */
export function DemoSignInPage(props: SignInPageProps) {
  const [user, setUser] = useState<string | null>(() =>
    sessionStorage.getItem(DEMO_USER_KEY),
  );
  const [other, setOther] = useState('');

  if (user === GUEST) {
    return <SignInPage {...props} auto providers={['guest']} />;
  }
  if (user) {
    return (
      <ProxiedSignInPage
        {...props}
        provider="demo"
        headers={() => ({ 'x-nhi-demo-user': user })}
      />
    );
  }
  const choose = (name: string) => {
    sessionStorage.setItem(DEMO_USER_KEY, name);
    setUser(name);
  };
  return (
    <Page themeId="home">
      <Header
        title="Backstage NHI demo"
        subtitle="Lumen Freight — choose who you are"
      />
      <Content>
        <Grid container spacing={3}>
          <Grid item xs={12} md={7}>
            <InfoCard title="Sign in as a demo user">
              <List>
                {DEMO_USERS.map(u => (
                  <ListItem
                    key={u.name}
                    button
                    onClick={() => choose(u.name)}
                    aria-label={`Sign in as ${u.title}`}
                  >
                    <ListItemText primary={u.title} secondary={u.role} />
                  </ListItem>
                ))}
              </List>
              <Box display="flex" alignItems="center" style={{ gap: 8 }}>
                <TextField
                  size="small"
                  label="or any user name"
                  value={other}
                  onChange={e => setOther(e.target.value.trim())}
                />
                <Button disabled={!other} onClick={() => choose(other)}>
                  Sign in
                </Button>
              </Box>
            </InfoCard>
          </Grid>
          <Grid item xs={12} md={5}>
            <InfoCard title="Or">
              <Typography variant="body2" paragraph>
                Browse as the guest, who belongs to no team.
              </Typography>
              <Button variant="outlined" onClick={() => choose(GUEST)}>
                Enter as guest
              </Button>
            </InfoCard>
          </Grid>
        </Grid>
      </Content>
    </Page>
  );
}
