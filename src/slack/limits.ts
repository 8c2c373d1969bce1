/**
 * Slack's documented caps, in one table every view builder and Web API call takes its limits from
 * (../shared/SLACK.md, "Block Kit limits" and the method table). A builder that cuts text to one of
 * these names it here, so a limit Slack changes is changed in one place.
 */
export const LIMITS = {
  /** Blocks in a message (https://api.slack.com/reference/block-kit/blocks). */
  messageBlocks: 50,
  /** Blocks in a modal or the Home tab. */
  viewBlocks: 100,
  /** A section's text (https://api.slack.com/reference/block-kit/blocks#section). */
  sectionText: 3000,
  /** Fields in one section, and each field's text. */
  sectionFields: 10,
  sectionFieldText: 2000,
  /** Header block text. */
  headerText: 150,
  /** A button's text (https://api.slack.com/reference/block-kit/block-elements#button). */
  buttonText: 75,
  /** An option's text and value, and options in one select (https://api.slack.com/reference/block-kit/composition-objects#option). */
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  /** A modal's title, submit and close labels (https://api.slack.com/reference/surfaces/views). */
  modalTitle: 24,
  /** A view's private_metadata. */
  privateMetadata: 3000,
  /** plain_text_input max_length (https://api.slack.com/reference/block-kit/block-elements#input). */
  plainTextInput: 3000,
  /** conversations.setTopic / setPurpose answer `too_long` past this. */
  topic: 250,
  purpose: 250,
  /** conversations.create: 1–80 characters. */
  channelName: 80,
} as const;
