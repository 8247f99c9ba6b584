import type { Role } from '../../common/auth/role';
import type { PostalAddress } from '../../common/address/postal-address';

/** Demo accounts for local runs; also listed in README.md. Never seeded in production. */
export const DEMO_ACCOUNTS: {
  email: string;
  password: string;
  name: string;
  role: Role;
  /** Saved shipping address: the demo customer's first checkout needs no extra input. */
  address?: PostalAddress;
}[] = [
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
    address: { line1: '12 Harbour Street', city: 'Lisbon', postalCode: '1100-001', country: 'PT' },
  },
];

/** The demo merchants, each with a demo shop (the first is the merchant of DEMO_ACCOUNTS). */
export const DEMO_MERCHANTS: { email: string; name: string; password: string; shop: string }[] = [
  {
    email: 'merchant@shop.local',
    name: 'Max Merchant',
    password: 'merchant-demo-password',
    shop: 'Max’s Outdoor Gear',
  },
  ...[
    { email: 'merchant2@shop.local', name: 'Mia Merchant', shop: 'Trailhead Supply' },
    { email: 'merchant3@shop.local', name: 'Noah Merchant', shop: 'Harbour Home & Kitchen' },
    { email: 'merchant4@shop.local', name: 'Olga Merchant', shop: 'Pixel & Plug Electronics' },
  ].map((m) => ({ ...m, password: 'merchant-demo-password' })),
];
