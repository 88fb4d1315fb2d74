/** Who acted and where. Platform ids are kept verbatim so the timeline can link back to them. */
export interface Actor {
  platform: string;
  id: string;
  name: string;
}

export interface ChannelRef {
  platform: string;
  id: string;
  name: string;
}
