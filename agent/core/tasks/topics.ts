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
    audit: `${prefix}/vehicle/${vehicleId}/audit`,
  };
}

/** The task id a task topic ends in, or null when the topic is not a task topic of this vehicle. */
export function taskIdOfTopic(topic: string, ids: TopicIds): string | null {
  for (const scope of [`${ids.prefix}/fleet/${ids.fleetId}/tasks/`, `${ids.prefix}/vehicle/${ids.vehicleId}/tasks/`]) {
    if (topic.startsWith(scope)) {
      const rest = topic.slice(scope.length);
      return rest.length > 0 && !rest.includes('/') ? rest : null;
    }
  }
  return null;
}
