/** What the dashboard calls an owner the CRM does not list (the owners not synced yet). */
export const unlistedOwnerName = (id: string): string => `Owner ${id}`;

/**
 * An owner in words, where only words fit (a spreadsheet cell, a label): the name, marked when they
 * left the CRM, since records keep naming them until someone reassigns them.
 */
export function ownerLabel(owner: { id: string; name: string | null; left: boolean }): string {
  const name = owner.name ?? unlistedOwnerName(owner.id);
  return owner.left ? `${name} (left)` : name;
}
