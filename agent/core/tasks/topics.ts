// The MQTT topic names of the task contract, derived from the prefix and the vehicle's and fleet's ids.
export interface TopicIds {
  readonly prefix: string;
  readonly fleetId: string;
  readonly vehicleId: string;
}

export function topicsFor({ prefix, fleetId, vehicleId }: TopicIds) {
  return {
    fleetTasks: `${prefix}/fleet/${fleetId}/tasks/+`,
    vehicleTasks: `${prefix}/vehicle/${vehicleId}/tasks/+`,
    acks: `${prefix}/vehicle/${vehicleId}/acks`,
    status: `${prefix}/vehicle/${vehicleId}/status`,
    observations: `${prefix}/vehicle/${vehicleId}/observations`,
  };
}

/** The task id a task topic ends in, or null when the topic is not a task topic of this vehicle. */
export function taskIdOfTopic(topic: string, ids: TopicIds): string | null {
  return taskTopicOf(topic, ids)?.taskId ?? null;
}

/** The task id a task topic ends in and whose topic it is (the fleet's or the vehicle's); null for other topics. */
export function taskTopicOf(topic: string, ids: TopicIds): { taskId: string; audience: 'fleet' | 'vehicle' } | null {
  const scopes = [
    [`${ids.prefix}/fleet/${ids.fleetId}/tasks/`, 'fleet'],
    [`${ids.prefix}/vehicle/${ids.vehicleId}/tasks/`, 'vehicle'],
  ] as const;
  for (const [scope, audience] of scopes) {
    if (topic.startsWith(scope)) {
      const rest = topic.slice(scope.length);
      return rest.length > 0 && !rest.includes('/') ? { taskId: rest, audience } : null;
    }
  }
  return null;
}
