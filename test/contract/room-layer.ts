import { RoomHub, type Broker } from '@chat/core';

const hubs = new WeakMap<Broker, RoomHub>();

/** The room layer of a node in the contract suites: what orders, backfills and fans out its rooms. */
export function roomsOf(broker: Broker): RoomHub {
  let hub = hubs.get(broker);
  if (!hub) hubs.set(broker, (hub = new RoomHub(broker, { nodeId: 'contract', firstPageSize: 50, maxResume: 1000 })));
  return hub;
}
