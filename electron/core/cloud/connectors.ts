import type { Graph } from './graph.ts';

/** A connector as Microsoft Graph lists it (reference docs/reference/domain.md §5.3), with its group. */
export interface CloudConnector {
  id: string;
  machineName: string;
  externalIp: string;
  status: string;
  version?: string;
  group: { id: string; name: string } | null;
}

const PROFILE = '/onPremisesPublishingProfiles/applicationProxy';

/** Every connector in the tenant and the group it is in: one list, the groups, each group's members. */
export async function readCloudConnectors(graph: Graph, signal?: AbortSignal): Promise<CloudConnector[]> {
  const options = {
    version: 'beta' as const,
    needs: 'Application Administrator (or Global Administrator)',
    ...(signal ? { signal } : {}),
  };
  const [connectors, groups] = await Promise.all([
    graph.list<Omit<CloudConnector, 'group'>>(`${PROFILE}/connectors`, options),
    graph.list<{ id: string; name: string }>(`${PROFILE}/connectorGroups`, options),
  ]);
  const members = await Promise.all(
    groups.map(async (group) => ({
      group,
      ids: (
        await graph.list<{ id: string }>(`${PROFILE}/connectorGroups/${encodeURIComponent(group.id)}/members`, options)
      ).map((member) => member.id),
    })),
  );
  return connectors.map((connector) => {
    const home = members.find((entry) => entry.ids.includes(connector.id))?.group;
    return { ...connector, group: home ? { id: home.id, name: home.name } : null };
  });
}
