import { Initial1764300000000 } from './1764300000000-Initial';
import { ActorCredentials1796100000000 } from './1796100000000-ActorCredentials';
import { NotificationSettings1796119459000 } from './1796119459000-NotificationSettings';
import { GuestGovernance1796119663000 } from './1796119663000-GuestGovernance';
import { Notifications1796122393000 } from './1796122393000-Notifications';

/** Every migration, oldest first. A new one is a timestamped file here and a line below. */
export const migrations = [Initial1764300000000, ActorCredentials1796100000000, NotificationSettings1796119459000, GuestGovernance1796119663000, Notifications1796122393000];
