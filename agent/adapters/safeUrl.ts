// URLs for logs, error messages and the doctor's report: the user and password of a URL never leave the vehicle.

/** rtsp://user:password@host/… → rtsp://***@host/…, anywhere in `text` (a URL or a message holding one). */
export function withoutCredentials(text: string): string {
  return text.replace(/\/\/[^@/"\s]*@/g, '//***@');
}
