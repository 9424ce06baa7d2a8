// The WebSocket's frames (CONTRACT.md, "Real-time — WebSocket /ws/") and the shapes they carry.
// Structurally the same as the REST answers, so a page's own types and these are interchangeable.

export type PlaydateStatus = "pending" | "accepted" | "declined" | "cancelled" | "expired" | "completed";

/** One of a playdate's pets, enough to name it (kept, name and all, after its owner deletes it). */
export interface PlaydatePet {
  id: number;
  name: string;
  species: PublicPet["species"];
}

export interface Playdate {
  id: number;
  pet_id_1: number; // the inviting pet
  pet_id_2: number;
  inviter_id: number;
  invitee_id: number;
  date_time: string;
  location_name: string;
  latitude: number | null;
  longitude: number | null;
  message: string;
  status: PlaydateStatus;
  awaiting_user_id: number | null; // whose answer is awaited (pending only)
  created_at: string;
  updated_at: string;
  // The pets of pet_id_1 and pet_id_2. Optional: events recorded before the server sent them
  // are still replayed (the log keeps 7 days).
  pet_1?: PlaydatePet;
  pet_2?: PlaydatePet;
}

export interface Message {
  id: number;
  playdate_id: number;
  sender_id: number | null; // null: a deleted account ("deleted user")
  sender_name?: string;
  body: string;
  created_at: string;
  hidden?: boolean; // moderators only see hidden messages, marked so
  ref?: string | null; // the sender's own id for it (chat.send's ref), to the sender alone
}

export interface PublicPet {
  id: number;
  owner_id: number;
  name: string;
  species: "dog" | "cat" | "rabbit" | "other";
  breed: string;
  age: number;
  size: "small" | "medium" | "large";
  energy: "low" | "medium" | "high";
  temperament: string[];
  vaccinated: boolean;
  bio: string;
  created_at: string;
}

export interface SuggestionReason {
  value: number;
  weight: number;
  points: number;
  detail: string;
}

export interface Suggestion {
  pet: PublicPet;
  owner: { id: number; username: string };
  distance_km: number;
  score: number;
  reasons: Record<string, SuggestionReason>;
  suggested_slots: string[]; // up to three ISO 8601 times both pets are free
}

export interface Activity {
  id: number;
  kind: string; // user.registered, pet.created, playdate.invited, chat.message, report.filed, ...
  actor_id: number | null;
  subject: { type: string; id: number };
  target_user_id?: number | null;
  summary: string;
  metro?: string;
  created_at: string;
}

/** What a reporter hears of their report (`report.reviewed`): never which action. */
export interface ReviewedReport {
  id: number;
  target: { type: "user" | "pet" | "message"; id: number };
  reason: string;
  status: string;
  outcome: "action_taken" | "no_action";
  reviewed_at: string;
}

// --- Server → client ---------------------------------------------------------------------------

/** Durable events: carry `seq` (per user, +1 each) and `ts`, are stored and replayed. */
export interface DurableData {
  "match.suggested": { for_pet_id: number; suggestion: Suggestion };
  "playdate.invited": { playdate: Playdate };
  "playdate.updated": { playdate: Playdate };
  "chat.message": { message: Message };
  "chat.read": { playdate_id: number; user_id: number; message_id: number };
  "chat.hidden": { playdate_id: number; message_id: number }; // beyond the contract (architecture.md)
  "moderation.activity": { activity: Activity }; // moderators only
  "report.reviewed": { report: ReviewedReport }; // beyond the contract (architecture.md)
}

/** Ephemeral events: no `seq`, never replayed. */
export interface EphemeralData {
  "chat.typing": { playdate_id: number; user_id: number };
  presence: { user_id: number; online: boolean };
}

export type DurableType = keyof DurableData;
export type EphemeralType = keyof EphemeralData;
export type EventType = DurableType | EphemeralType;

export type DurableEvent = {
  [K in DurableType]: { type: K; seq: number; ts: string; data: DurableData[K] };
}[DurableType];

export type EphemeralEvent = {
  [K in EphemeralType]: { type: K; data: EphemeralData[K] };
}[EphemeralType];

export type ServerEvent = DurableEvent | EphemeralEvent;
export type EventOf<K extends EventType> = Extract<ServerEvent, { type: K }>;

export interface HelloFrame {
  type: "hello";
  data: { user_id: number; last_seq: number };
}

/** What the client hands to the app: the hello of each connection, then events. */
export type InboundFrame = HelloFrame | ServerEvent;

export type Ref = string | number;

export interface AckFrame {
  type: "ack";
  ref: Ref | null;
  data: unknown;
}

export interface PongFrame {
  type: "pong";
  ref: Ref | null;
}

export interface ErrorData {
  code: string; // as REST: validation_error, not_found, conflict, rate_limited, feature_disabled, ...
  message: string;
  retry_after?: number; // seconds, with rate_limited
}

export interface ErrorFrame {
  type: "error";
  ref: Ref | null;
  data: ErrorData;
}

export const DURABLE_TYPES: ReadonlySet<string> = new Set<DurableType>([
  "match.suggested",
  "playdate.invited",
  "playdate.updated",
  "chat.message",
  "chat.read",
  "chat.hidden",
  "moderation.activity",
  "report.reviewed",
]);

export const EPHEMERAL_TYPES: ReadonlySet<string> = new Set<EphemeralType>(["chat.typing", "presence"]);

// --- Client → server ---------------------------------------------------------------------------

/** Frames the server answers: `chat.send` with an ack carrying the stored message, `ping` with pong. */
export interface RequestData {
  "chat.send": { playdate_id: number; body: string };
  ping: Record<string, never>;
}

export interface AnswerData {
  "chat.send": { message: Message };
  ping: undefined;
}

/** Frames with no answer: `chat.read`'s confirmation is the durable `chat.read` event. */
export interface NoticeData {
  "chat.typing": { playdate_id: number };
  "chat.read": { playdate_id: number; message_id: number };
}

export type RequestType = keyof RequestData;
export type NoticeType = keyof NoticeData;
