// Observation sink port: where observations go once the outbox hands them on (the MQTT channel).
export interface ObservationSink {
  /** True while a publish can reach the broker now. */
  readonly connected: boolean;
  /** Calls the listener after every (re)connect; returns the remover. */
  onConnected(listener: () => void): () => void;
  /** Resolves once the broker acknowledged the message (QoS 1 PUBACK). */
  publishObservation(payload: string): Promise<void>;
}
