import type { Role } from '../../common/auth/role';

/** Demo accounts for local runs; also listed in README.md. Never seeded in production. */
export const DEMO_ACCOUNTS: { email: string; password: string; name: string; role: Role }[] = [
  { email: 'admin@shop.local', password: 'admin-demo-password', name: 'Ada Admin', role: 'admin' },
  {
    email: 'merchant@shop.local',
    password: 'merchant-demo-password',
    name: 'Max Merchant',
    role: 'merchant',
  },
  {
    email: 'customer@shop.local',
    password: 'customer-demo-password',
    name: 'Cleo Customer',
    role: 'customer',
  },
];
