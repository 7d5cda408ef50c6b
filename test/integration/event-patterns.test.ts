/**
 * The deployed event patterns, evaluated by EventBridge's own matcher (the emulator's
 * TestEventPattern) on recorded-shape events, agree with the code's own tests of those events.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EventBridgeClient, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { clientConfig } from '../../emulator/accounts';
import { emulatorForFile } from '../support/emulator';
import { looksLikeKmsFailure, parseLaunchFailureInput } from '../../core/launch-failure';
import { createImageEvent, importImageEvent } from '../fixtures/images';

const ROOT = path.resolve(__dirname, '../..');
const EVENTS = path.join(__dirname, '../fixtures/events');
const pattern = readFileSync(path.join(ROOT, 'events/launch-failure.pattern.json'), 'utf8');

const emulator = emulatorForFile();

describe('events/launch-failure.pattern.json', () => {
  const files = readdirSync(EVENTS).filter((f) => f.startsWith('launch-unsuccessful-'));

  it.each(files)('matches %s exactly when the diagnosis would call it a KMS failure', async (file) => {
    const event = JSON.parse(readFileSync(path.join(EVENTS, file), 'utf8'));
    const events = new EventBridgeClient(clientConfig(emulator, '111111111111'));

    const { Result } = await events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify(event) }));

    expect(Result).toBe(looksLikeKmsFailure(event.detail.StatusMessage));
    expect(Result).toBe(file.includes('-kms-'));
  });

  it('does not match a successful launch, nor another source imitating the failure', async () => {
    const events = new EventBridgeClient(clientConfig(emulator, '111111111111'));
    const kms = JSON.parse(readFileSync(path.join(EVENTS, 'launch-unsuccessful-kms-cancelled.json'), 'utf8'));
    for (const event of [{ ...kms, 'detail-type': 'EC2 Instance Launch Successful' }, { ...kms, source: 'com.example.autoscaling' }]) {
      expect((await events.send(new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify(event) }))).Result).toBe(false);
    }
  });
});

describe('events/fleet-error.pattern.json (member/member-account.yml forwards the same: test/unit/deploy)', () => {
  const fleetPattern = readFileSync(path.join(ROOT, 'events/fleet-error.pattern.json'), 'utf8');
  const FLEET_EVENTS = path.join(__dirname, '../fixtures/fleet-events');
  const files = readdirSync(FLEET_EVENTS);

  it.each(files)('starts the diagnosis for %s exactly when the file is a starts-* event, and the diagnosis accepts what it matches', async (file) => {
    const event = JSON.parse(readFileSync(path.join(FLEET_EVENTS, file), 'utf8'));
    const events = new EventBridgeClient(clientConfig(emulator, '111111111111'));

    const { Result } = await events.send(new TestEventPatternCommand({ EventPattern: fleetPattern, Event: JSON.stringify(event) }));

    expect(Result).toBe(file.startsWith('starts-'));
    const parsed = (() => {
      try {
        return parseLaunchFailureInput(event, { regions: ['us-east-1'] });
      } catch {
        return null;
      }
    })();
    expect(parsed !== null).toBe(Result);
  });

  it('does not match an Auto Scaling event, nor a fleet error of another source', async () => {
    const events = new EventBridgeClient(clientConfig(emulator, '111111111111'));
    const fleet = JSON.parse(readFileSync(path.join(FLEET_EVENTS, 'starts-spot-fleet-error-all-launch-specs-blacklisted.json'), 'utf8'));
    const kms = JSON.parse(readFileSync(path.join(EVENTS, 'launch-unsuccessful-kms-cancelled.json'), 'utf8'));
    for (const event of [kms, { ...fleet, source: 'com.example.ec2spotfleet' }]) {
      expect((await events.send(new TestEventPatternCommand({ EventPattern: fleetPattern, Event: JSON.stringify(event) }))).Result).toBe(false);
    }
  });
});

describe('events/new-image.pattern.json (central-regions/image-events.yml forwards the same: test/unit/deploy)', () => {
  const newImage = readFileSync(path.join(ROOT, 'events/new-image.pattern.json'), 'utf8');

  it('starts nothing for an ImportImage call (an import task, no image yet); matches a call that made an image', async () => {
    const events = new EventBridgeClient(clientConfig(emulator, '111111111111'));
    const matches = async (event: unknown) => (await events.send(new TestEventPatternCommand({ EventPattern: newImage, Event: JSON.stringify(event) }))).Result;

    expect(await matches(importImageEvent())).toBe(false);
    expect(await matches(createImageEvent('ami-0a1b2c3d4e5f60718'))).toBe(true);
    expect(await matches(createImageEvent('ami-0a1b2c3d4e5f60718', undefined, undefined, 'ImportImage'))).toBe(true);
  });
});
