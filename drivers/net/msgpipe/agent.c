// SPDX-License-Identifier: GPL-2.0
/*
 * The registry of sending agents and the attachment of pipes to them.
 *
 * Locking and lifetime: msgpipe_agents_lock protects the agent list, every
 * agent's @users count and the list of all pipes that have an agent half.
 * A pipe's agent half is created under that lock, so an agent that is
 * unregistering is never picked. Unregistering detaches every pipe of the
 * agent (its sessions are reset with ENETDOWN) and waits until no pipe uses
 * the agent, so no agent code runs after msgpipe_agent_unregister() returns
 * and the agent's module may go. The host takes no reference on the agent's
 * module: unloading an agent with pipes open is a clean teardown, not EBUSY.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include "msgpipe.h"

static DEFINE_MUTEX(msgpipe_agents_lock);
static LIST_HEAD(msgpipe_agents);
static LIST_HEAD(msgpipe_all_pipes);
static DECLARE_WAIT_QUEUE_HEAD(msgpipe_agents_wq);

/**
 * msgpipe_agent_register() - make an agent available to new pipes
 * @agent: the agent, with every op set
 *
 * Return: 0, or -EINVAL if an op is missing or the ring size is odd.
 */
int msgpipe_agent_register(struct msgpipe_agent *agent)
{
	const struct msgpipe_agent_ops *ops = agent->ops;

	if (!ops || !ops->pipe_create || !ops->pipe_destroy ||
	    !ops->conn_attach || !ops->post || !ops->doorbell ||
	    !ops->forget || !agent->name) {
		pr_err("agent %s: incomplete ops, not registered\n",
		       agent->name ?: "(unnamed)");
		return -EINVAL;
	}
	if (agent->sq_depth < 16 || agent->sq_depth > 65536) {
		pr_err("agent %s: sq_depth %u out of 16..65536\n", agent->name,
		       agent->sq_depth);
		return -EINVAL;
	}
	mutex_lock(&msgpipe_agents_lock);
	agent->users = 0;
	list_add_tail(&agent->list, &msgpipe_agents);
	mutex_unlock(&msgpipe_agents_lock);
	pr_info("agent %s registered\n", agent->name);
	return 0;
}
EXPORT_SYMBOL_GPL(msgpipe_agent_register);

static struct msgpipe_pipe *msgpipe_agent_next_pipe(struct msgpipe_agent *agent)
{
	struct msgpipe_pipe *pipe;

	list_for_each_entry(pipe, &msgpipe_all_pipes, all_node) {
		if (pipe->agent == agent && READ_ONCE(pipe->apipe) &&
		    refcount_inc_not_zero(&pipe->refs))
			return pipe;
	}
	return NULL;
}

/**
 * msgpipe_agent_unregister() - detach every pipe from an agent and forget it
 * @agent: a registered agent
 *
 * Sleeps until the agent is no longer used.
 */
void msgpipe_agent_unregister(struct msgpipe_agent *agent)
{
	struct msgpipe_pipe *pipe;

	mutex_lock(&msgpipe_agents_lock);
	list_del(&agent->list);
	while ((pipe = msgpipe_agent_next_pipe(agent))) {
		mutex_unlock(&msgpipe_agents_lock);
		msgpipe_pipe_detach(pipe, false);
		msgpipe_pipe_put(pipe);
		mutex_lock(&msgpipe_agents_lock);
	}
	mutex_unlock(&msgpipe_agents_lock);
	/* A pipe detached concurrently by its own teardown may still be in
	 * the agent's pipe_destroy(); wait for it.
	 */
	wait_event(msgpipe_agents_wq, !READ_ONCE(agent->users));
	pr_info("agent %s unregistered\n", agent->name);
}
EXPORT_SYMBOL_GPL(msgpipe_agent_unregister);

/**
 * msgpipe_agent_attach() - give a new pipe its agent half
 * @pipe: a pipe not yet visible to anyone else
 *
 * Return: 0, -ENETDOWN when no agent is registered, or the agent's error.
 */
int msgpipe_agent_attach(struct msgpipe_pipe *pipe)
{
	struct msgpipe_agent *agent;
	struct msgpipe_apipe *ap;
	int err = -ENETDOWN;

	mutex_lock(&msgpipe_agents_lock);
	agent = list_first_entry_or_null(&msgpipe_agents, struct msgpipe_agent,
					 list);
	if (agent) {
		ap = agent->ops->pipe_create(agent, pipe);
		if (IS_ERR(ap)) {
			err = PTR_ERR(ap);
		} else {
			ap->agent = agent;
			ap->host = pipe;
			pipe->agent = agent;
			pipe->apipe = ap;
			agent->users++;
			list_add_tail(&pipe->all_node, &msgpipe_all_pipes);
			err = 0;
		}
	}
	mutex_unlock(&msgpipe_agents_lock);
	return err;
}

/**
 * msgpipe_agent_release() - the agent half of @pipe was destroyed
 * @pipe: the pipe
 */
void msgpipe_agent_release(struct msgpipe_pipe *pipe)
{
	mutex_lock(&msgpipe_agents_lock);
	pipe->agent->users--;
	mutex_unlock(&msgpipe_agents_lock);
	wake_up_all(&msgpipe_agents_wq);
}

/**
 * msgpipe_agent_forget() - drop @pipe from the list of attached pipes
 * @pipe: a pipe about to be freed
 */
void msgpipe_agent_forget(struct msgpipe_pipe *pipe)
{
	if (!pipe->agent)
		return;
	mutex_lock(&msgpipe_agents_lock);
	list_del(&pipe->all_node);
	mutex_unlock(&msgpipe_agents_lock);
}
