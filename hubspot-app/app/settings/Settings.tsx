import { hubspot } from '@hubspot/ui-extensions';
import { createApi } from '@referralynx/hubspot-shared';
import { SettingsView } from './SettingsView';

// The app's settings page (settings-hsmeta.json).
hubspot.extend<'settings'>(() => <SettingsView api={createApi()} />);
